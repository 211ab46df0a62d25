#!/usr/bin/env bash
# tests/run.sh - the test runner behind `make test`.
#
#   tests/run.sh [--build DIR] [FILTER...]
#
# Runs, in order: the unit test programs built under DIR/tests/unit/, then
# every executable tests/integration/**/test_* and tests/e2e/**/test_*.
# FILTERs keep only the tests whose name contains one of them.
# A test passes with exit 0, is skipped with exit 77 (its last output line
# says why), and fails otherwise; a failure's lines starting FAIL (with the
# 10 before and 40 after each) are printed, or its last lines when it has none.
# Each test gets CCX_ROOT (the checkout), CCX_BUILD (the build directory)
# and CCX_TMP (a fresh directory removed afterwards) in its environment, and
# at most TEST_TIMEOUT seconds (default 300: a hung test must not eat CI).
# The last line is always "N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=build
filters=()
while [ $# -gt 0 ]; do
    case $1 in
        --build) build=$2; shift 2 ;;
        --build=*) build=${1#--build=}; shift ;;
        -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
        *) filters+=("$1"); shift ;;
    esac
done
case $build in /*) ;; *) build=$root/$build ;; esac
export CCX_ROOT=$root CCX_BUILD=$build
timeout_s=${TEST_TIMEOUT:-300}
logdir=$build/test-logs
mkdir -p "$logdir"

tests=()
if [ -d "$build/tests/unit" ]; then
    while IFS= read -r f; do tests+=("$f"); done < <(find "$build/tests/unit" -type f -name 'test_*' -perm -u+x | sort)
fi
for d in integration e2e; do
    [ -d "$root/tests/$d" ] || continue
    while IFS= read -r f; do tests+=("$f"); done < <(find "$root/tests/$d" -type f -name 'test_*' -perm -u+x | sort)
done

name_of() {
    case $1 in
        "$build"/tests/*) echo "${1#"$build"/tests/}" ;;
        *) echo "${1#"$root"/tests/}" ;;
    esac
}

pass=0 fail=0 skip=0
failed=() skipped=()
for t in "${tests[@]}"; do
    name=$(name_of "$t")
    if [ ${#filters[@]} -gt 0 ]; then
        keep=0
        for f in "${filters[@]}"; do case $name in *"$f"*) keep=1 ;; esac; done
        [ $keep = 1 ] || continue
    fi
    log=$logdir/$(echo "$name" | tr '/' '_').log
    tmp=$(mktemp -d /tmp/ccxtest.XXXXXX)
    start=$EPOCHREALTIME
    limit=$timeout_s
    own=$(head -n 20 "$t" 2>/dev/null | sed -n 's/^# test-timeout: \([0-9][0-9]*\)$/\1/p' | head -n 1)
    [ -n "$own" ] && [ "$own" -gt "$limit" ] && limit=$own
    (cd "$root" && CCX_TMP=$tmp timeout -k 10 "$limit" "$t") >"$log" 2>&1
    rc=$?
    rm -rf "$tmp"
    secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
    if [ $rc = 0 ]; then
        pass=$((pass + 1)); printf 'PASS %s (%ss)\n' "$name" "$secs"
    elif [ $rc = 77 ]; then
        skip=$((skip + 1)); why=$(grep -v '^$' "$log" | tail -n 1)
        skipped+=("$name: $why"); printf 'SKIP %s: %s\n' "$name" "$why"
    else
        fail=$((fail + 1)); failed+=("$name")
        [ $rc = 124 ] && echo "  (timed out after ${limit}s)" >>"$log"
        # A test reports its own failing checks on lines starting FAIL;
        # those (with the lines around them) say more than the log's tail.
        if grep -q '^ *FAIL' "$log"; then
            printf 'FAIL %s (exit %d, %ss); its failing checks in context, from %s:\n' "$name" "$rc" "$secs" "$log"
            grep -B 10 -A 40 '^ *FAIL' "$log" | head -n 120 | sed 's/^/    /'
        else
            printf 'FAIL %s (exit %d, %ss); last lines of %s:\n' "$name" "$rc" "$secs" "$log"
            tail -n 25 "$log" | sed 's/^/    /'
        fi
    fi
done

echo
[ ${#skipped[@]} -gt 0 ] && printf 'skipped: %s\n' "${skipped[@]}"
[ ${#failed[@]} -gt 0 ] && printf 'failed: %s\n' "${failed[@]}"
echo "$skip skipped"
echo "$pass passed, $fail failed"
[ $fail = 0 ] && [ $((pass + skip)) -gt 0 ]
