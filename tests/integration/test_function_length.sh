#!/usr/bin/env bash
# test_function_length.sh - no C function over 80 lines in the checked parts
# (scripts/check-function-length: counted from the line of its name to its
# closing brace; option tables and other initializers are data, not
# functions).  First checks the script itself on a file this test writes,
# so a script that reports nothing cannot pass.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
check=scripts/check-function-length
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
fail=0

# --- the checker on ground truth: one function of 81 lines, one of 80, a
# long initializer, a long struct, a long macro, braces in literals.
t=${CCX_TMP:-$(mktemp -d)}/sample.c
{
    echo '/* { a comment with a brace */'
    echo 'static int too_long(int a)'
    echo '{'
    for i in $(seq 77); do echo "    a += $i; /* } */"; done
    echo '    return a;'
    echo '}'
    echo 'static const char *'
    echo 'just_fits(void) {'
    for i in $(seq 78); do echo "    (void)\"}{\"; (void)'{';"; done
    echo '}'
    echo 'static const struct row { const char *name; int v; } rows[] = {'
    for i in $(seq 100); do echo "    { \"r$i\", $i },"; done
    echo '};'
    echo 'struct big {'
    for i in $(seq 100); do echo "    int f$i;"; done
    echo '};'
    echo '#define LONG_MACRO(x) do { \'
    for i in $(seq 100); do echo "    (x)++; \\"; done
    echo '} while (0)'
    echo 'int (*pick(int k))(void) { return k ? 0 : 0; }'
} >"$t"
got=$($check "$t")
rc=$?
want="$t:2: too_long: 81 lines (limit 80)"
if [ $rc != 1 ] || [ "$got" != "$want" ]; then
    echo "FAIL checker on a sample: exit $rc, got:"; echo "$got"; echo "want:"; echo "$want"; fail=1
fi
listed=$($check --list "$t" | awk '{print $1, $3}' | sort)
want_list=$(printf '%s\n' "1 pick" "80 just_fits" "81 too_long" | sort)
if [ "$listed" != "$want_list" ]; then
    echo "FAIL checker --list on a sample: got:"; echo "$listed"; echo "want:"; echo "$want_list"; fail=1
fi

# --- the project: every part (preload/ with its layer folders).
dirs=(preload analyzer driver)
out=$($check "${dirs[@]}")
rc=$?
if [ $rc != 0 ]; then
    echo "$out" | sed 's/^/FAIL /'
    fail=1
else
    n=$($check --list "${dirs[@]}" | wc -l)
    echo "function length: $n functions in ${dirs[*]}, none over 80 lines"
fi
exit $fail
