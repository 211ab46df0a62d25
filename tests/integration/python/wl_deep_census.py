"""wl_deep_census.py - the deep census counts what the gc does not track.

Between two snapshots the workload keeps, reachable only from tracked
objects:
  - a dict cache[key] = text of K fresh str keys and K str values (a
    str-keyed dict: the gc's traverse visits only the values, so the keys
    are found only by reading the keys table);
  - a list of K bytes objects;
  - a list of K tuples (i, -i) of ints, untracked by the gc (a collection
    untracks tuples that hold only untracked objects), whose ints are
    reached only through the untracked tuples, and a list of 300,000
    one-int tuples (more than the deep census's stack of 256 Ki holds);
  - instances whose attribute values are K/2 more str (a split or managed
    dict: values only through the instance);
  - a list of the cache's values again (shared: still counted once);
  - a general dict (one int key) with K/2 str keys, which its traverse
    visits: counted once, not again when the keys table is read.
The deep census's growth of str, bytes, tuple and int (bytes + owned_bytes,
python.deep.types) must be within 2% of the sys.getsizeof sums of what was
kept, and the counts within 2% too; ccx-analyze diff's deep_types (when it
is built) show the same growth.  They are the locals of a running
function: the gc does not track running frames, the deep census walks them.  With CCXTRACE_CENSUS=tracked (arg
"tracked") there is no python.deep and census_form says "tracked"."""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

K = 20000
WIDE = 300000   # > 256 Ki: the stack of untracked containers overflows


class Holder(object):
    def __init__(self, a, b):
        self.a = a
        self.b = b


def deep(snap):
    py = snap.get("python") or {}
    d = py.get("deep")
    if d is None:
        ccxsnap.fail("no python.deep member (census_form %r, why %r)"
                     % (py.get("census_form"), py.get("census_form_why")))
    return {t["name"]: (t["count"], t["bytes"] + t.get("owned_bytes", 0)) for t in d["types"]}


def check_tracked_form():
    path = ccxsnap.snapshot_path("tracked")
    py = ccxsnap.load(path).get("python") or {}
    if "deep" in py or py.get("census_form") != "tracked":
        ccxsnap.fail("CCXTRACE_CENSUS=tracked: census_form %r, deep member %s"
                     % (py.get("census_form"), "present" if "deep" in py else "absent"))
    print("ok (tracked form: no deep member)")


def main():
    ccxsnap.wait_ready()
    if sys.argv[1:] == ["tracked"]:
        check_tracked_form()
        return
    before = ccxsnap.snapshot_path("before")
    cache = {}
    for i in range(K):
        cache["key-%07d" % i] = "text %d " % i * 4
    blobs = [b"blob %d " % i * 3 for i in range(K)]
    pairs = [(1000000 + i, -1000000 - i) for i in range(K)]
    wide = [(2000000 + i,) for i in range(WIDE)]   # more tuples than the deep census's stack holds
    holders = [Holder("a%d" % i, 1.5) for i in range(K // 2)]
    alias = list(cache.values())  # shared values: counted once all the same
    general = {0: None}           # a general dict (an int key): its traverse visits the keys
    for i in range(K // 2):
        general["gen-%d" % i] = None
    gc.collect()  # untracks the tuples of ints
    after = ccxsnap.snapshot_path("after")
    a, b = deep(ccxsnap.load(before)), deep(ccxsnap.load(after))
    truth = {
        "str": (2 * K + K // 2 + K // 2, sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in cache.items())
                + sum(sys.getsizeof(h.a) for h in holders)
                + sum(sys.getsizeof(k) for k in general if isinstance(k, str))),
        "bytes": (K, sum(map(sys.getsizeof, blobs))),
        "tuple": (K + WIDE, sum(map(sys.getsizeof, pairs)) + sum(map(sys.getsizeof, wide))),
        "int": (2 * K + WIDE, sum(sys.getsizeof(x) + sys.getsizeof(y) for x, y in pairs)
                + sum(sys.getsizeof(t[0]) for t in wide)),
    }
    ok = True
    for name, (want_count, want) in truth.items():
        dc = b.get(name, (0, 0))[0] - a.get(name, (0, 0))[0]
        db = b.get(name, (0, 0))[1] - a.get(name, (0, 0))[1]
        print("  %s: deep census +%d objects, +%d bytes; kept %d objects, %d bytes (sys.getsizeof)"
              % (name, dc, db, want_count, want))
        if abs(dc - want_count) > 0.02 * want_count:
            print("FAIL: %s count grew by %d, %d kept" % (name, dc, want_count))
            ok = False
        if abs(db - want) > 0.02 * want:
            print("FAIL: %s bytes grew by %d, sys.getsizeof says %d (+-2%%)" % (name, db, want))
            ok = False
    an = ccxsnap.analyze("diff", before, after)   # None when ccx-analyze is not built
    if an is not None:
        shown = {t["type"]: t for t in an.get("python", {}).get("deep_types", [])}
        for name in ("str", "bytes", "tuple"):
            got, want = shown.get(name, {}).get("bytes_delta", 0), truth[name][1]
            print("  ccx-analyze diff: %s %+d bytes in deep_types" % (name, got))
            if abs(got - want) > 0.02 * want:
                print("FAIL: ccx-analyze diff shows %s growing by %d bytes, sys.getsizeof says %d" % (name, got, want))
                ok = False
    d = ccxsnap.load(after)["python"]["deep"]
    print("  deep census: %d objects, %d unseen, %d unexplored, %.1f ms, %d bytes of memory"
          % (d["objects"], d["unseen"], d["unexplored"], d["deep_ms"], d["memory_bytes"]))
    if d["unseen"] or d["unexplored"]:
        print("FAIL: a small heap left objects unseen or unexplored")
        ok = False
    if not ok:
        sys.exit(1)
    print("ok")


main()
