#!/usr/bin/env bash
# test_docs_options.sh - every CCXTRACE_* variable the library reads is in
# the README's option table, and the table names no variable the library
# does not read (the README mirrors the option table, issue 3).
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
fail=0
# Variables read by the library (test-only hooks, named *_TEST_*, excluded).
code=$(grep -ho '"CCXTRACE_[A-Z0-9_]*"' preload/*/*.c | tr -d '"' | grep -v '_TEST_' | sort -u)
[ -n "$code" ] || { echo "no CCXTRACE_ variables found in preload/*/*.c"; exit 1; }
readme=$(grep -o '^| `CCXTRACE_[A-Z0-9_]*`' README.md | tr -d '|` ' | sort -u)
for v in $code; do
    echo "$readme" | grep -qx "$v" || { echo "README.md's option table lacks $v"; fail=1; }
done
for v in $readme; do
    echo "$code" | grep -qx "$v" || { echo "README.md lists $v, which the library does not read"; fail=1; }
done
[ $fail = 0 ] && echo "README option table matches the library: $(echo $code | wc -w) variables"
exit $fail
