#!/usr/bin/env bash
# bench_deep_census.sh - the deep census's cost (python.deep, issue 21) on
# a heap of about one million gc-tracked objects holding two million the
# gc does not track (deep_heap.py), per CPython present: the census with
# CCXTRACE_CENSUS=tracked (today's census) beside CCXTRACE_CENSUS=deep, as
# the snapshots record them (census_ms: the whole census, GIL held;
# deep_ms: the deep part alone, deep_cpu_ms its CPU time, which on a busy
# machine is the steadier figure; the deep part's memory, and the peak RSS
# the snapshot added).  Budget (docs/python.md): the deep part adds at most
# 150 ms of GIL hold and 32 MiB of transient memory.  A measurement, never
# a pass/fail on timing.   DEEP_BENCH_OBJECTS (default 1000000)
set -u
NEEDLIB_ABSENT=0 . "$(dirname "$0")/../../lib/needlib.sh"
n=${DEEP_BENCH_OBJECTS:-1000000}
echo "deep census, heap of about $n tracked objects holding $((2 * n)) untracked; median of 3 snapshots"
status=0
while read -r label py; do
    for form in tracked deep; do
        dir=$tmp/$label.$form
        mkdir -p "$dir"
        printf '%-12s ' "$label"
        env CCXTRACE_DIR="$dir" CCXTRACE_CENSUS=$form CCXTRACE_HOLDERS=0 CCXTRACE_AT_EXIT=0 \
            PYTHONDONTWRITEBYTECODE=1 LD_PRELOAD="$lib" timeout 300 "$py" "$root/tests/bench/python/deep_heap.py" "$n" 2>&1 | tail -n 1
        [ "${PIPESTATUS[0]}" = 0 ] || status=1
        rm -rf "$dir"
    done
done < <("$root/tests/lib/pythons.sh")
"$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
exit $status
