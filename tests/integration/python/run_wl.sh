#!/usr/bin/env bash
# run_wl.sh - shared by the Python layer's tests: runs one workload script
# under a preload with every CPython of tests/lib/pythons.sh.
#   run_wl.sh PRELOAD 'WORKLOAD.py [ARGS]' [ENV=VALUE...]
# Exit 0 when the workload passed on every interpreter present, 77 when
# none is present, 1 otherwise; each run has a time limit.
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
preload=$1 wl=${2%% *}
wl_args=${2#"$wl"}
shift 2
tmp=${CCX_TMP:-/tmp}
fail=0 ran=0
# Workloads check the analyzer's output too when it is built.
build=${CCX_BUILD:-$root/build}
[ -x "$build/bin/ccx-analyze" ] && export CCX_ANALYZE=$build/bin/ccx-analyze
while read -r label py; do
    # WL_ONLY: an extended regex of interpreter labels to run (default all).
    if [ -n "${WL_ONLY:-}" ] && ! [[ $label =~ $WL_ONLY ]]; then
        continue
    fi
    dir=$tmp/$label.$(basename "$wl" .py)$(echo $wl_args | tr -c 'a-z0-9\n' _)
    mkdir -p "$dir"
    out=$(cd "$dir" && env CCXTRACE_DIR="$dir" HARNESS_DIR="$dir" "$@" LD_PRELOAD="$preload" \
        timeout -k 5 ${WL_TIMEOUT:-120} "$py" ${PY_FLAGS:-} "$root/tests/integration/python/$wl" $wl_args 2>&1)
    rc=$?
    ran=$((ran + 1))
    if [ $rc = 0 ]; then
        echo "ok   $label $wl$wl_args"
        [ -n "${VERBOSE:-}" ] && echo "$out" | sed 's/^/     /'
    else
        echo "FAIL $label $wl$wl_args (exit $rc)"
        echo "$out" | tail -n 40 | sed 's/^/     /'
        fail=1
    fi
done < <("$root/tests/lib/pythons.sh")
[ -z "${WL_ONLY:-}" ] && "$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
[ $ran = 0 ] && { echo "no CPython found"; exit 77; }
exit $fail
