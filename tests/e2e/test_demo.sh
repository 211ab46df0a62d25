#!/usr/bin/env bash
# test_demo.sh - the demo end to end, shorter than `make demo`: the demo
# service under libccxtrace.so, ccx-driver bursts with a snapshot in each
# break, ccx-analyze diff/trend/report, in the three modes:
#   leaky   the top growing site is the storing line with the broker's run
#           loop in its stack, steady growth detected, Broker census = uploads,
#           the line's growth matches the bytes it allocates per upload
#   cyclic  (CCXTRACE_GC_COLLECT=1) Brokers counted before gc.collect() match
#           the bursts exactly, gc.collect() frees them, the report says so
#   fixed   no steady growth, live growth <= a tenth of the leaky mode's
# demo_check.py holds the checks; everything the demo starts must be gone.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
root=$PWD
tmp=${CCX_TMP:-$(mktemp -d)}
build=${CCX_BUILD:-$root/build}
for f in lib/libccxtrace.so bin/ccx-driver bin/ccx-analyze; do
    [ -e "$build/$f" ] || { echo "$build/$f is not built"; exit 1; }
done
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3"; exit 77; }
export PYTHONDONTWRITEBYTECODE=1
fail=0
for mode in leaky cyclic fixed; do
    out=$tmp/$mode
    MODE=$mode BUILD=$build DEMO_OUT=$out DEMO_BURSTS=4 DEMO_BURST=4s DEMO_BREAK=3s DEMO_RATE=8 \
        DEMO_SAMPLE=64k scripts/demo.sh >"$tmp/$mode.log" 2>&1
    rc=$?
    if [ $rc != 0 ]; then
        tail -n 30 "$tmp/$mode.log"
        echo "FAIL [$mode] demo exit $rc"
        fail=1
        continue
    fi
    pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$out/service-status.json")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "FAIL [$mode] service $pid still running"; fail=1; fi
    /usr/bin/python3 tests/e2e/demo_check.py "$mode" "$out" "$root/scripts/demo/pipeline.py" \
        ${leaky_ok:+"$tmp/leaky"} || { fail=1; sed -n '/^== trend/,/^== files/p' "$tmp/$mode.log" | head -40; }
    [ $mode = leaky ] && [ $fail = 0 ] && leaky_ok=1
done
exit $fail
