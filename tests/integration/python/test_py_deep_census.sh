#!/usr/bin/env bash
# test-timeout: 600
# test_py_deep_census.sh - the deep census (python.deep, preload/python/py_deep.c,
# issue 21) with every CPython present (tests/lib/pythons.sh):
#   - wl_deep_census.py: str (a str-keyed dict's keys and values, instance
#     attributes, a general dict's keys, shared values), bytes, untracked
#     tuples and the ints only they reach grow in python.deep within 2% of
#     the sys.getsizeof totals the workload measures itself, counts too;
#     the same with the UBSan build;
#   - CCXTRACE_CENSUS=tracked: census_form "tracked" and no deep member;
#   - wl_census_owned.py: the tracked census's owned_bytes of
#     collections.deque (its blocks) equal sys.getsizeof and are within 2%
#     of what tracemalloc saw allocated; instances (3.11+: pre-header and
#     attribute values; 3.9/3.10 with their __dict__) within 2% of
#     tracemalloc.
# (Under memory pressure the census is tracked only, and says why:
# tests/integration/preload/test_pressure_cgroup.sh.)
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
run=$root/tests/integration/python/run_wl.sh
fail=0
VERBOSE=1 "$run" "$lib" wl_deep_census.py
st=$?
[ $st = 77 ] && exit 77
[ $st = 0 ] || fail=1
"$run" "$lib" "wl_deep_census.py tracked" CCXTRACE_CENSUS=tracked || fail=1
VERBOSE=1 "$run" "$lib" wl_census_owned.py || fail=1
ubsan=$build/lib/libccxtrace-ubsan.so
if [ -f "$ubsan" ]; then
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$run" "$ubsan" wl_deep_census.py || fail=1
else
    echo "skip UBSan run: $ubsan not built"
fi
exit $fail
