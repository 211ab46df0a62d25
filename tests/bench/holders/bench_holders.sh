#!/usr/bin/env bash
# bench_holders.sh - the cost of "who holds it" (python.holders) on a heap
# of one million gc-tracked objects (heap.py), per CPython present: the
# graph build and the whole search as recorded in the snapshot, next to
# the census time and a full gc.collect() on the same heap in the same
# process (a ratio, not a timed assertion; the budget in docs/holders.md
# is under 1 s of GIL time for a million objects); then the pure graph
# search alone on a synthetic heap of the same size (graph_bench.c).
set -u
NEEDLIB_ABSENT=0 . "$(dirname "$0")/../../lib/needlib.sh"
n=${HOLDERS_BENCH_OBJECTS:-1000000}
echo "holders search, heap of about $n objects, CCXTRACE_HOLDERS_TYPES=Broker, 3 samples"
status=0
while read -r label py; do
    dir=$tmp/$label
    mkdir -p "$dir"
    printf '%-12s ' "$label"
    env CCXTRACE_DIR="$dir" CCXTRACE_HOLDERS_TYPES=Broker CCXTRACE_AT_EXIT=0 PYTHONDONTWRITEBYTECODE=1 \
        LD_PRELOAD="$lib" timeout 300 "$py" "$root/tests/bench/holders/heap.py" "$n" 2>&1 | tail -n 1
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
    rm -rf "$dir"
done < <("$root/tests/lib/pythons.sh")
"$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
# The pure search alone (no interpreter): build + search of a synthetic
# heap of n objects and 3n edges.
if ${CC:-cc} -O2 -std=gnu11 -D_GNU_SOURCE -I"$root/preload/python" -I"$root/preload/base" -I"$root/preload/iface" -I"$root/common" -o "$tmp/graph_bench" \
    "$root/tests/bench/holders/graph_bench.c" "$root/preload/python/holders_graph.c" "$root/preload/base/ccx_mem.c"; then
    "$tmp/graph_bench" "$n" || status=1
else
    echo "graph_bench does not build"
    status=1
fi
exit $status
