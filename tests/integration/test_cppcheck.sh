#!/usr/bin/env bash
# test_cppcheck.sh - every C source of the project is cppcheck clean
# (warnings, style, performance, portability): the parts (common preload
# analyzer driver), the unit tests, and the C programs the integration
# tests and scripts build (tests/integration/**/*.c, scripts/**/*.c).
# Suppressed everywhere, and nothing else:
#   missingIncludeSystem  system headers (and <Python.h>, whose path depends
#                         on the interpreter) are not given to cppcheck;
#   unusedFunction        needs the whole program at once (hooks, APIs and
#                         test entry points are called from outside);
#   unmatchedSuppression  an inline suppression must not fail when cppcheck
#                         stops seeing what it suppresses.
# Deliberate patterns in test programs carry an inline suppression with
# its reason next to the line.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
if ! command -v cppcheck >/dev/null; then
    echo "cppcheck not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
dirs=$(ls -d common preload analyzer driver tests/unit 2>/dev/null)
progs=$(find tests/integration scripts -name '*.c' 2>/dev/null | sort)
# -Ipreload/*: the preload's folders (the Python harness builds against their headers too).
out=$(cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
    --std=c11 --inline-suppr --suppress=missingIncludeSystem --suppress=unusedFunction \
    --suppress=unmatchedSuppression -D__GNUC__ -D_GNU_SOURCE -Icommon $(for d in preload/*/; do printf -- "-I%s " "${d%/}"; done) \
    $dirs $progs 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
[ $rc = 0 ] && [ -z "$out" ] && echo "cppcheck: clean ($(echo $dirs), $(echo "$progs" | wc -w) test and script programs)"
[ $rc = 0 ] && [ -z "$out" ]
