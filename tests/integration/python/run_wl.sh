#!/usr/bin/env bash
# run_wl.sh - shared by the Python layer's tests: runs one workload script
# under a preload with every CPython of tests/lib/pythons.sh.
#   run_wl.sh PRELOAD WORKLOAD.py [ENV=VALUE...]
# Exit 0 when the workload passed on every interpreter present, 77 when
# none is present, 1 otherwise; each run has a time limit.
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
preload=$1 wl=$2
shift 2
tmp=${CCX_TMP:-/tmp}
fail=0 ran=0
while read -r label py; do
    dir=$tmp/$label.$(basename "$wl" .py)
    mkdir -p "$dir"
    out=$(cd "$dir" && env CCXTRACE_DIR="$dir" HARNESS_DIR="$dir" "$@" LD_PRELOAD="$preload" \
        timeout -k 5 ${WL_TIMEOUT:-120} "$py" ${PY_FLAGS:-} "$root/tests/integration/python/$wl" 2>&1)
    rc=$?
    ran=$((ran + 1))
    if [ $rc = 0 ]; then
        echo "ok   $label $wl"
        [ -n "${VERBOSE:-}" ] && echo "$out" | sed 's/^/     /'
    else
        echo "FAIL $label $wl (exit $rc)"
        echo "$out" | tail -n 20 | sed 's/^/     /'
        fail=1
    fi
done < <("$root/tests/lib/pythons.sh")
"$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
[ $ran = 0 ] && { echo "no CPython found"; exit 77; }
exit $fail
