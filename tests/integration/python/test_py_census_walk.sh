#!/usr/bin/env bash
# test_py_census_walk.sh - one heap walk per census (issue 13) and the walk
# over the gc's own lists (issue 16: no gc.get_objects() list), with every
# CPython of tests/lib/pythons.sh (wl_census_walk.py says what is checked):
#   list     the walk forced onto gc.get_objects() (CCXTRACE_PY_TEST_GC_OBJECTS=1,
#            test only): one call per census, the holders search included;
#   list     the same with CCXTRACE_GC_COLLECT=1: one more per snapshot;
#   direct   the default: no gc.get_objects() call, the same exact counts,
#            the holders on the census's objects;
#   direct   under memory pressure (CCXTRACE_PRESSURE=1MiB): the census
#            still exact, the holders skipped;
#   direct   the UBSan build, once.
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
run=$root/tests/integration/python/run_wl.sh
common=(CCXTRACE_HOLDERS_TYPES=WalkB CCXTRACE_AT_EXIT=0 CCXTRACE_SAMPLE=64k)
fail=0
"$run" "$lib" "wl_census_walk.py list" "${common[@]}" CCXTRACE_PRESSURE=off CCXTRACE_PY_TEST_GC_OBJECTS=1 || fail=1
"$run" "$lib" "wl_census_walk.py list" "${common[@]}" CCXTRACE_PRESSURE=off CCXTRACE_PY_TEST_GC_OBJECTS=1 CCXTRACE_GC_COLLECT=1 || fail=1
"$run" "$lib" "wl_census_walk.py direct" "${common[@]}" CCXTRACE_PRESSURE=off || fail=1
"$run" "$lib" "wl_census_walk.py direct" "${common[@]}" CCXTRACE_PRESSURE=1MiB || fail=1
ubsan=$build/lib/libccxtrace-ubsan.so
if [ -f "$ubsan" ]; then
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 WL_ONLY='debian' \
        "$run" "$ubsan" "wl_census_walk.py direct" "${common[@]}" CCXTRACE_PRESSURE=off CCXTRACE_GC_COLLECT=1 || fail=1
fi
exit $fail
