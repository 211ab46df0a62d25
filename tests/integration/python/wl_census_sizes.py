"""wl_census_sizes.py - the census counts what containers own: between two
snapshots the workload keeps K lists of 1000 items, K dicts of 100 items
(values are an instance, so the dicts stay gc-tracked) and K sets of 100
items.  For each of list, dict and set the census's growth in bytes
(bytes + owned_bytes, as ccx-analyze reads it) must be within 2% of the
sys.getsizeof sum of what was kept (the kept containers and the lists
holding them), and the count must grow by K (give or take a few of the interpreter's own).  Before owned
bytes a list was its 56-byte header: 1% of the truth."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

K = 2000


class Value(object):
    pass


def census(snap):
    return {name: (t["count"], t["bytes"] + t.get("owned_bytes", 0)) for name, t in ccxsnap.types(snap).items()}


def main():
    ccxsnap.wait_ready()
    v = Value()
    before = ccxsnap.snapshot_path("before")   # parsed after the second one
    lists = [list(range(1000)) for _ in range(K)]
    dicts = [{"k%d" % i: v for i in range(100)} for _ in range(K)]
    sets = [set(range(100)) for _ in range(K)]
    after = ccxsnap.snapshot_path("after")
    a, b = census(ccxsnap.load(before)), census(ccxsnap.load(after))
    truth = {
        # the three lists that hold the containers are lists too
        "list": sum(map(sys.getsizeof, lists)) + sys.getsizeof(lists) + sys.getsizeof(dicts) + sys.getsizeof(sets),
        "dict": sum(map(sys.getsizeof, dicts)),
        "set": sum(map(sys.getsizeof, sets)),
    }
    ok = True
    for name, want in truth.items():
        dc = b.get(name, (0, 0))[0] - a.get(name, (0, 0))[0]
        db = b.get(name, (0, 0))[1] - a.get(name, (0, 0))[1]
        print("  %s: census +%d objects, +%d bytes; kept %d bytes (sys.getsizeof)" % (name, dc, db, want))
        if not K - 10 <= dc <= K + 50:   # the interpreter makes and drops a few of its own
            print("FAIL: %s count grew by %d, %d kept" % (name, dc, K))
            ok = False
        if abs(db - want) > 0.02 * want:
            print("FAIL: %s bytes grew by %d, sys.getsizeof says %d (+-2%%)" % (name, db, want))
            ok = False
    if not ok:
        sys.exit(1)
    print("ok")


main()
