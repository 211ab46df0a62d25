#!/usr/bin/env bash
# test-timeout: 600
# test_py_tracer.sh - the Python layer inside the real libccxtrace.so, with
# every CPython present (tests/lib/pythons.sh; missing ones are listed):
#   - known lines under pymalloc (no PYTHONMALLOC): the per-line diff ranks
#     the two kept lines first and second within 10% of the bytes the
#     workload measured itself (CCXTRACE_SAMPLE=16k), and PYTHONMALLOC=malloc;
#     in `all` mode (Debian's python3 and 3.13) within 0.1%;
#   - malloc called from C (ctypes, GIL released and held): libc-layer
#     samples carry the calling Python lines;
#   - four threads attributed to their own lines while a fifth sleeps in C;
#   - a generator consumed through C and asyncio coroutines: their own lines,
#     with the consumer / the event loop below them;
#   - incomplete frames (wl_incomplete_frames.py, `all` mode): cells,
#     generators and 3.13's __init__ shim made before a function's RESUME
#     are charged to the caller, no line-0 frame;
#   (pymalloc arenas mapped before the hooks: test_py_early_arenas.sh)
#   - the totals count every call once (wl_totals.py): blocks pymalloc
#     serves, passes to malloc, or malloc maps; default allocator, sampled
#     and `all`, PYTHONMALLOC=malloc, -X dev's debug hooks, tracemalloc;
#   - the census counts what lists, dicts and sets own, as sys.getsizeof
#     does (wl_census_sizes.py);
#   - realloc (wl_realloc.py): a failed one leaves the block's sample in
#     place, a successful one moves it to the new block and line;
#   - threads, multiprocessing fork, os.fork, exit during a snapshot, -X dev:
#     no crash or hang, complete files, exit snapshot with its census;
#   - the Broker pattern (wl_broker.py): census growth per item, the top
#     growing line and its stack, reclaimable cyclic garbage with
#     CCXTRACE_GC_COLLECT=1, no steady growth once fixed (ccx-analyze's
#     diff and trend are checked too when it is built);
# The Broker leak and the lifecycle runs are repeated with the UBSan build.
# Ground truth is computed inside each workload (sys.getsizeof sums).
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
run=$root/tests/integration/python/run_wl.sh
fail=0
"$run" "$lib" wl_known_lines.py CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_known_lines.py CCXTRACE_SAMPLE=16k PYTHONMALLOC=malloc || fail=1
# `all` mode is exact (within 0.1%); slow, so two interpreters only.
WL_ONLY='debian|3\.13' "$run" "$lib" wl_known_lines.py CCXTRACE_SAMPLE=all || fail=1
"$run" "$lib" wl_threads.py CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_c_malloc.py CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_generators.py CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_incomplete_frames.py CCXTRACE_SAMPLE=all || fail=1
"$run" "$lib" "wl_broker.py leak" CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" "wl_broker.py cycle" CCXTRACE_SAMPLE=16k CCXTRACE_GC_COLLECT=1 || fail=1
"$run" "$lib" "wl_broker.py fixed" CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_lifecycle.py || fail=1
"$run" "$lib" wl_totals.py CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_totals.py PYTHONMALLOC=malloc || fail=1
PY_FLAGS="-X dev" "$run" "$lib" wl_totals.py CCXTRACE_SAMPLE=16k || fail=1
WL_ONLY='debian|3\.13' "$run" "$lib" wl_totals.py CCXTRACE_SAMPLE=all || fail=1
WL_ONLY='debian' "$run" "$lib" wl_totals.py CCXTRACE_SAMPLE=16k PYTHONTRACEMALLOC=1 || fail=1
"$run" "$lib" wl_realloc.py CCXTRACE_SAMPLE=16k || fail=1
"$run" "$lib" wl_census_sizes.py || fail=1
"$run" "$lib" wl_realloc.py CCXTRACE_SAMPLE=16k PYTHONMALLOC=malloc || fail=1
# The same layer built with UBSan (the core builds libccxtrace-ubsan.so).
ubsan=$build/lib/libccxtrace-ubsan.so
if [ -f "$ubsan" ]; then
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    "$run" "$ubsan" "wl_broker.py leak" CCXTRACE_SAMPLE=16k || fail=1
    "$run" "$ubsan" wl_lifecycle.py || fail=1
else
    echo "skip UBSan runs: $ubsan not built"
fi
exit $fail
