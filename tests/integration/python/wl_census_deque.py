"""wl_census_deque.py - the census counts a collections.deque's blocks as
owned_bytes: between two snapshots the workload keeps K deques of 1000
items (all None, so nothing else is allocated for them) with a few popped
from the left, and the census's growth of collections.deque (bytes +
owned_bytes) must be within 2% of what tracemalloc saw allocated for
them (the deque objects and their blocks; the list holding them taken
out) and equal to their sys.getsizeof sum.  Before the blocks were
counted a deque was its object alone: 1.3% of it."""
import collections
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

K = 2000


def deque_bytes(snap):
    t = ccxsnap.types(snap).get("collections.deque") or {}
    return t.get("count", 0), t.get("bytes", 0) + t.get("owned_bytes", 0)


def main():
    ccxsnap.wait_ready()
    before = ccxsnap.snapshot_path("before")
    holder = [None] * K                  # allocated before the measurement
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(K):
        dq = collections.deque([None] * 1000)
        for _ in range(i % 70):
            dq.popleft()
        holder[i] = dq
    traced = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    after = ccxsnap.snapshot_path("after")
    (c0, b0), (c1, b1) = deque_bytes(ccxsnap.load(before)), deque_bytes(ccxsnap.load(after))
    sizeof = sum(map(sys.getsizeof, holder))
    print("  collections.deque: census +%d objects, +%d bytes; tracemalloc %d bytes, sys.getsizeof %d"
          % (c1 - c0, b1 - b0, traced, sizeof))
    ok = True
    if c1 - c0 != K:
        print("FAIL: deque count grew by %d, %d kept" % (c1 - c0, K))
        ok = False
    if abs((b1 - b0) - traced) > 0.02 * traced:
        print("FAIL: deque bytes grew by %d, tracemalloc says %d (+-2%%)" % (b1 - b0, traced))
        ok = False
    if b1 - b0 != sizeof:
        print("FAIL: deque bytes grew by %d, sys.getsizeof says %d" % (b1 - b0, sizeof))
        ok = False
    if not ok:
        sys.exit(1)
    print("ok")


main()
