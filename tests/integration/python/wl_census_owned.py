"""wl_census_owned.py - the census counts what deques and instances own.

Between two snapshots the workload keeps, measuring with tracemalloc what
their creation allocated:
  - K deques of 1000 items (all None, so nothing else is allocated for
    them) with a few popped from the left: the census's growth of
    collections.deque (bytes + owned_bytes: the blocks) must equal their
    sys.getsizeof sum and be within 2% of tracemalloc's growth (the list
    holding them is made before);
  - N instances of a class with three attributes (None, True, False: no
    new objects): the census's growth of the class (3.11+: with the
    pre-header and the attribute values, separately allocated in 3.11 and
    3.12, inline in 3.13) plus that of dict, tracked or in the deep census
    (3.9/3.10: each instance's __dict__, untracked) must be within 2% of
    tracemalloc's growth; sys.getsizeof understates instances (it leaves
    the values out).
Before, a deque was its object alone (1.3% of it) and a 3.11 instance
40 of its 96 bytes."""
import collections
import os
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

K = 2000
N = 20000


class Rec(object):
    def __init__(self):
        self.a = None
        self.b = True
        self.c = False


def grown(before, after, names, key="types"):
    a, b = ccxsnap.types(before, key), ccxsnap.types(after, key)
    def total(t, name):
        x = t.get(name) or {}
        return x.get("count", 0), x.get("bytes", 0) + x.get("owned_bytes", 0)
    return [tuple(y - x for x, y in zip(total(a, n), total(b, n))) for n in names]


def traced(make, holder):
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for i in range(len(holder)):
        holder[i] = make(i)
    t = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return t


def make_deque(i):
    dq = collections.deque([None] * 1000)
    for _ in range(i % 70):
        dq.popleft()
    return dq


def check(name, got, want, what):
    if abs(got - want) > 0.02 * want:
        print("FAIL: %s grew by %d bytes, %s says %d (+-2%%)" % (name, got, what, want))
        return False
    return True


def main():
    ccxsnap.wait_ready()
    Rec(), Rec()                       # the class's shared keys exist before
    before = ccxsnap.snapshot_path("before")
    deques, recs = [None] * K, [None] * N
    tm_deques = traced(make_deque, deques)
    tm_recs = traced(lambda i: Rec(), recs)
    after = ccxsnap.snapshot_path("after")
    b, a = ccxsnap.load(before), ccxsnap.load(after)
    (dc, db), = grown(b, a, ["collections.deque"])
    (rc, rb), (_, dictb) = grown(b, a, ["Rec", "dict"])
    # 3.9/3.10: each instance's __dict__, untracked (only None, True, False
    # in it): in the deep census
    if (b["python"].get("deep") or {}).get("types") is not None:
        b["python"]["deep_types"] = b["python"]["deep"]["types"]
        a["python"]["deep_types"] = a["python"]["deep"]["types"]
        (_, deepdict), = grown(b, a, ["dict"], "deep_types")
        dictb += deepdict
    sizeof = sum(map(sys.getsizeof, deques))
    print("  collections.deque: census +%d objects, +%d bytes; tracemalloc %d bytes, sys.getsizeof %d"
          % (dc, db, tm_deques, sizeof))
    print("  Rec: census +%d objects, +%d bytes (dicts, tracked and deep, %+d); tracemalloc %d bytes, sys.getsizeof %d"
          % (rc, rb, dictb, tm_recs, sum(map(sys.getsizeof, recs))))
    ok = dc == K and rc == N
    if not ok:
        print("FAIL: counts grew by %d deques and %d instances, %d and %d kept" % (dc, rc, K, N))
    ok &= check("collections.deque", db, tm_deques, "tracemalloc")
    if db != sizeof:
        print("FAIL: deque bytes grew by %d, sys.getsizeof says %d" % (db, sizeof))
        ok = False
    ok &= check("Rec (with dict)", rb + dictb, tm_recs, "tracemalloc")
    if not ok:
        sys.exit(1)
    print("ok")


main()
