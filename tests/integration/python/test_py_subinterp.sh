#!/usr/bin/env bash
# test-timeout: 300
# test_py_subinterp.sh - sub-interpreters (issue 21): allocations made in a
# sub-interpreter carry that interpreter's frames, never the main
# interpreter's, from the thread that created it and from another thread,
# under the legacy shared-GIL configuration (3.9-3.13) and the isolated one
# with a GIL of its own (3.12+); the census says it covers the main
# interpreter (wl_subinterp.py has the checks).  Repeated with the UBSan
# build.  Interpreters without a sub-interpreter module print a skip line.
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
run=$root/tests/integration/python/run_wl.sh
fail=0
# 1k sampling: some 4,000 samples per interpreter's kept lists, so the
# 10% check stands some six standard deviations from the estimate.
"$run" "$lib" wl_subinterp.py CCXTRACE_SAMPLE=1k || fail=1
ubsan=$build/lib/libccxtrace-ubsan.so
if [ -f "$ubsan" ]; then
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 WL_ONLY='3\.(9|12|13)' \
        "$run" "$ubsan" wl_subinterp.py CCXTRACE_SAMPLE=1k || fail=1
else
    echo "skip UBSan runs: $ubsan not built"
fi
exit $fail
