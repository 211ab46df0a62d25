#!/usr/bin/env bash
# test_demo_service.sh - the demo service (scripts/demo/service.py) on every
# CPython present: Broker lifetimes per mode measured in-process (leaky: one
# more Broker per upload that gc.collect() cannot free; cyclic: the same,
# with no full collection, and gc.collect() frees them; fixed: never more
# than the last one), the upload API (202, 400, 415, 503 when the queue is
# full, /status), and the service run as a program (SIGTERM stops it).
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../../..}"
root=$PWD
export PYTHONDONTWRITEBYTECODE=1   # no __pycache__ in the checkout
check=tests/integration/scripts/demo_service_check.py
fail=0 ran=0
while read -r label py; do
    for what in leaky cyclic fixed http process; do
        out=$("$py" "$check" "$root" "$what" 2>&1)
        rc=$?
        ran=$((ran + 1))
        if [ $rc != 0 ]; then
            echo "$out" | tail -n 15
            echo "FAIL $label $what (exit $rc)"
            fail=1
        else
            echo "ok $label $what ($(echo "$out" | grep -c '^ok') checks)"
        fi
    done
done < <(tests/lib/pythons.sh)
tests/lib/pythons.sh --missing | sed 's/^/note: /'
[ $ran -gt 0 ] || { echo "no CPython found"; exit 77; }
exit $fail
