"""wl_census_walk.py MODE - one heap walk per census (issue 13), run by
test_py_census_walk.sh under libccxtrace.so.

gc.get_objects is replaced by a function that counts its calls (the tracer
looks it up in the gc module, so it calls this one).  The workload keeps
known numbers of instances of its own types, takes a snapshot, adds 1,000
WalkA, and takes another.  Checks, on both snapshots:
  - the census counts every instance of WalkA, WalkB (__slots__) and
    WalkList (a list subclass) exactly, with bytes = count * (basicsize +
    16) for WalkA and WalkB;
  - MODE list (CCXTRACE_PY_TEST_GC_OBJECTS=1: the walk reads
    gc.get_objects(), as when the gc's lists do not check out): exactly
    one call per census in the files written (two per snapshot with
    CCXTRACE_GC_COLLECT=1: the census after gc.collect() is a second walk;
    before, the holders search made one more of its own);
  - MODE direct: no call at all (the walk follows the gc's own lists);
  - the holders search ran on the census's walk: its object count is the
    census's total, every WalkB (named) is held by module globals ->
    global WalkReg -> attribute items -> list (a class is not a root
    although the census holds a reference to each type it counts), and
    the second snapshot's WalkA (grown by 1,000) is held by the global
    "keep" -> list -> WalkA; under memory pressure
    (CCXTRACE_PRESSURE=1MiB) the holders are skipped and say so.
"""
import gc
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

MODE = sys.argv[1]
PRESSURE = os.environ.get("CCXTRACE_PRESSURE", "off") != "off"
COLLECT = os.environ.get("CCXTRACE_GC_COLLECT") == "1"

calls = [0]
_orig = gc.get_objects


def counting_get_objects(*args, **kw):
    calls[0] += 1
    return _orig(*args, **kw)


gc.get_objects = counting_get_objects


class WalkA(object):
    pass


class WalkB(object):
    __slots__ = ("x",)


class WalkList(list):
    pass


class WalkReg(object):
    items = []    # a class attribute: the WalkBs' holder


keep = []
reg = WalkReg()   # an instance, so that the census counts the class


def make(n_a, n_b, n_l):
    keep.extend(WalkA() for _ in range(n_a))
    WalkReg.items.extend(WalkB() for _ in range(n_b))
    keep.extend(WalkList() for _ in range(n_l))


def check_census(snap, want):
    t = ccxsnap.types(snap)
    for cls, n in want.items():
        got = t.get(cls.__name__, {})
        if got.get("count") != n:
            ccxsnap.fail("%s: census counts %s %s, the workload made %d" % (snap["_path"], got.get("count"), cls.__name__, n))
        if cls is not WalkList and got.get("bytes") != n * (cls.__basicsize__ + 16):
            ccxsnap.fail("%s: census bytes of %s %s, want %d" % (snap["_path"], cls.__name__, got.get("bytes"), n * (cls.__basicsize__ + 16)))


def check_holders(snap, grown):
    py = snap["python"]
    h = py.get("holders")
    if PRESSURE:
        if not h or "skipped" not in (h.get("error") or ""):
            ccxsnap.fail("under pressure the holders are not said to be skipped: %r" % (h,))
        return
    if not h or h.get("error"):
        ccxsnap.fail("no holders search: %r" % (h,))
    total = sum(t["count"] for t in py["types"])
    if h["objects"] != total:
        ccxsnap.fail("the holders graph has %d objects, the census counted %d: not the same walk" % (h["objects"], total))
    # A class is held by its module, not by the census (which keeps each
    # type it counts alive meanwhile: that reference is not a root).
    b = {t["name"]: t for t in h["types"]}.get("WalkB")
    if not b or not b.get("paths"):
        ccxsnap.fail("WalkB (named) not searched: %r" % (b,))
    for path in b["paths"]:
        labels = [(e.get("via"), e.get("label")) for e in path]
        if path[0].get("label") != "module globals" or ("global", "WalkReg") not in labels \
                or ("attribute", "items") not in labels:
            ccxsnap.fail("a WalkB path does not go module -> WalkReg.items: %r" % (path,))
    if not grown:
        return
    picked = {t["name"]: t for t in h["types"]}
    a = picked.get("WalkA")
    if not a or a.get("growth") != 1000 or not a.get("paths"):
        ccxsnap.fail("WalkA (grown by 1000) not searched: %r" % (sorted(picked),))
    for path in a["paths"]:
        if not any(e.get("label") == "keep" and e.get("via") == "global" for e in path) or path[-1]["type"] != "WalkA":
            ccxsnap.fail("a WalkA path does not go through the global keep: %r" % (path,))


def own_files():
    return glob.glob(os.path.join(ccxsnap._snap_dir(), "ccxtrace.*.%d.*.json" % os.getpid()))


def census_passes():
    """Census walks in this process's files: one per snapshot with a
    census, one more when it has an after_collect census."""
    n = 0
    for path in own_files():
        with open(path) as fh:
            py = json.load(fh).get("python") or {}
        n += ("types" in py) + ("types" in (py.get("after_collect") or {}))
    return n


def main():
    ccxsnap.wait_ready()
    make(12345, 6789, 2345)
    one = ccxsnap.snapshot("one")
    check_census(one, {WalkA: 12345, WalkB: 6789, WalkList: 2345})
    check_holders(one, False)
    make(1000, 0, 0)
    two = ccxsnap.snapshot("two")
    check_census(two, {WalkA: 13345, WalkB: 6789, WalkList: 2345})
    check_holders(two, True)
    walks = census_passes()
    want = walks if MODE == "list" else 0
    print("  %s: %d census walks in %d files, gc.get_objects called %d times"
          % (MODE, walks, len(own_files()), calls[0]))
    if calls[0] != want:
        ccxsnap.fail("gc.get_objects called %d times for %d census walks (want %d)" % (calls[0], walks, want))
    if COLLECT and MODE == "list" and walks < 4:
        ccxsnap.fail("CCXTRACE_GC_COLLECT=1 but only %d census walks in 2 snapshots" % walks)
    print("ok")


main()
