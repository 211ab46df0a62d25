#!/usr/bin/env bash
# test_py_harness.sh - the Python layer (preload/python/py_*.c) on its own: built
# into a small shared object with a stand-in for the tracer core
# (harness/harness_core.c: exact tables, one mutex, a helper thread), then
# run with every CPython present: known-line leaks under pymalloc within
# 10% of the sizes the workload measures itself, and four threads' lines
# attributed apart.  The same workloads run against the real
# libccxtrace.so in test_py_tracer.sh.
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
tmp=${CCX_TMP:-$(mktemp -d)}
so=$tmp/libpyharness.so
if ! gcc -std=gnu11 -g -O2 -fPIC -shared -D_GNU_SOURCE -Wall -Wextra -Werror \
    -Wl,-z,defs -I"$root/common" -I"$root/preload/base" -I"$root/preload/iface" -I"$root/preload/python" -o "$so" \
    "$root/tests/integration/python/harness/harness_core.c" \
    "$root"/preload/python/py_{api,layout,frames,alloc,census,deep,heap,runtime,fork}.c \
    "$root"/preload/base/ccx_{diag,text,clock}.c -lm -lpthread -ldl; then
    echo "FAIL: the harness does not build"
    exit 1
fi
run=$root/tests/integration/python/run_wl.sh
fail=0
"$run" "$so" wl_known_lines.py HARNESS_SAMPLE=16384 || fail=1
"$run" "$so" wl_threads.py HARNESS_SAMPLE=16384 || fail=1
exit $fail
