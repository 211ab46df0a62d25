"""wl_holders.py VARIANT - "who holds it" (python.holders) under the real
libccxtrace.so, with CCXTRACE_HOLDERS_TYPES naming the types to examine.

  reachable  three leaks at once, each checked on the snapshot taken after
             they grew (and the search time recorded):
             - the Broker pattern with hmonitor._errors keeping the
               exceptions: every sampled Broker's path ends
               module hmonitor -global _errors-> list -index-> ValueError
               -__traceback__-> traceback -tb_frame-> frame of
               run_components -local broker-> Broker;
             - a cache dict keyed by strings: module hmonitor -global
               _cache-> dict -key 'user:N'-> Session;
             - objects held only by C references (Py_IncRef through ctypes,
               every Python reference dropped): a Holder is its own root,
               an "external reference" with 1 reference, and Items kept
               in a list that only C holds: list (external reference)
               -index-> Item; none reported as garbage or as a global;
             - a list held by a local variable of the running main():
               a "running frame local" root named "pending in main", and
               one captured by a closure: the cell of "captured in main".
             The default top-N pick (by growth) names at least one type.
  cycle      only the Broker cycle, made deterministic as in the Python
             layer's test (each broker promoted to the oldest generation
             before it becomes garbage, no automatic full collection):
             every sampled Broker is reported as cyclic garbage.
  options    the holders options as the library's option table read them
             (test_holders.sh sets CCXTRACE_HOLDERS* and says what to
             expect in WL_TOP, WL_SAMPLES, WL_NAMED): N Brokers and N
             Sessions grow; the snapshot after records WL_SAMPLES samples,
             at most WL_TOP types picked by growth (none for 0, at least
             one otherwise), and every type of WL_NAMED, each examined
             min(WL_SAMPLES, count) times.
The snapshots are kept (CCXTRACE_DIR) for the analyzer checks of
test_holders.sh.
"""
import ctypes
import gc
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "python"))
import ccxsnap  # noqa: E402
import hmonitor  # noqa: E402

VARIANT = sys.argv[1]
N = 300


class Broker(object):
    def __init__(self):
        self.instances = {}
        self.exceptions = {}

    def add_exception(self, component, ex):
        self.exceptions.setdefault(component, []).append(ex)


class Session(object):
    def __init__(self, user):
        self.user = user


class Holder(object):
    pass


class Item(object):
    pass


class Pending(object):
    pass


class Captured(object):
    pass


def parse_component(broker):
    raise ValueError("cannot parse")


def run_components(broker, components, keep):
    for component in components:
        try:
            broker.instances[component] = component(broker)
        except Exception as ex:
            broker.add_exception(component, ex)
            if keep:
                hmonitor.record_error(ex)


def holders_of(snap, name):
    h = (snap.get("python") or {}).get("holders")
    if not h:
        ccxsnap.fail("no python.holders in the snapshot: %s" % sorted((snap.get("python") or {}).keys()))
    for t in h["types"]:
        if t["name"] == name:
            return h, t
    ccxsnap.fail("python.holders has no type %s (it has %s)" % (name, [t["name"] for t in h["types"]]))


def show(path):
    return " -> ".join("%s%s[%s]" % ("" if e["via"] == "root" else "%s %s: " % (e["via"], e["label"]),
                                      e["type"], e["repr"]) for e in path)


def expect(cond, what, path=None):
    if not cond:
        ccxsnap.fail(what + ("\n  path: " + show(path) if path else ""))


def check_examined(t, want_garbage):
    want = 3
    print("  %s: examined %d, garbage %d, %d paths" % (t["name"], t["examined"], t["garbage"], len(t["paths"])))
    expect(t["examined"] == want, "%s: %d instances examined, not %d" % (t["name"], t["examined"], want))
    expect(t["garbage"] == (want if want_garbage else 0),
           "%s: %d of %d reported as garbage" % (t["name"], t["garbage"], t["examined"]))
    expect(len(t["paths"]) == t["examined"] - t["garbage"], "%s: paths and garbage do not add up" % t["name"])


def check_broker(t):
    check_examined(t, False)
    for p in t["paths"]:
        types = [e["type"] for e in p]
        # ... module hmonitor -global _errors-> list -> ValueError -> traceback -> frame -> Broker
        expect(types[-5:] == ["list", "ValueError", "traceback", "frame", "Broker"],
               "Broker path does not end list -> ValueError -> traceback -> frame -> Broker", p)
        lst, exc, tb, fr, br = p[-5:]
        mod = p[-6] if len(p) >= 6 else None
        expect(mod is not None and mod["type"] == "module" and mod["repr"] == "module 'hmonitor'",
               "the list is not reached from module hmonitor", p)
        expect((lst["via"], lst["label"]) == ("global", "_errors"), "the list's label is not global _errors", p)
        expect(exc["via"] == "index" and exc["label"].isdigit(), "the exception's label is not a list index", p)
        expect((tb["via"], tb["label"]) == ("attribute", "__traceback__"), "traceback label", p)
        expect((fr["via"], fr["label"]) == ("attribute", "tb_frame"), "frame label", p)
        expect("run_components" in fr["repr"], "the frame is not run_components'", p)
        expect((br["via"], br["label"]) == ("local", "broker"), "the Broker is not the frame's local broker", p)
        expect(all(len(e["repr"] or "") <= 60 for e in p), "a repr snippet is longer than 60 bytes", p)
    print("  Broker: " + show(t["paths"][0]))


def check_session(t):
    check_examined(t, False)
    for p in t["paths"]:
        expect([e["type"] for e in p[-3:]] == ["module", "dict", "Session"], "Session path shape", p)
        mod, d, s = p[-3:]
        expect(mod["repr"] == "module 'hmonitor'", "the cache is not reached from module hmonitor", p)
        expect((d["via"], d["label"]) == ("global", "_cache"), "the dict's label is not global _cache", p)
        expect(s["via"] == "key" and s["label"].startswith("user:"), "the Session's label is not its key", p)
    print("  Session: " + show(t["paths"][0]))


def check_c_held(holder, item):
    check_examined(holder, False)
    for p in holder["paths"]:
        expect(len(p) == 1 and p[0]["type"] == "Holder", "a C-held Holder is not its own root", p)
        expect((p[0]["via"], p[0]["label"], p[0]["refs"]) == ("root", "external reference", 1),
               "a C-held Holder is not an external reference with 1 reference", p)
    print("  Holder: " + show(holder["paths"][0]))
    check_examined(item, False)
    for p in item["paths"]:
        expect([e["type"] for e in p] == ["list", "Item"], "a C-held list's Item path shape", p)
        expect((p[0]["label"], p[0]["refs"]) == ("external reference", 1),
               "the C-held list is not an external reference with 1 reference", p)
        expect(p[1]["via"] == "index", "Item label", p)
    print("  Item: " + show(item["paths"][0]))


def check_running_local(t, cap):
    check_examined(t, False)
    for p in t["paths"]:
        expect([e["type"] for e in p] == ["list", "Pending"], "Pending path shape", p)
        expect(p[0]["label"] == "running frame local" and p[0].get("detail", "").startswith("pending in main"),
               "the list is not reported as main()'s local pending", p)
    print("  Pending: %s (%s)" % (show(t["paths"][0]), t["paths"][0][0]["detail"]))
    check_examined(cap, False)
    for p in cap["paths"]:
        expect([e["type"] for e in p] == ["cell", "list", "Captured"], "Captured path shape", p)
        expect(p[0]["label"] == "running frame local" and p[0].get("detail", "").startswith("captured in main"),
               "the cell is not reported as main()'s local captured", p)
        expect((p[1]["via"], p[1]["label"]) == ("attribute", "cell_contents"), "cell label", p)
    print("  Captured: %s (%s)" % (show(cap["paths"][0]), cap["paths"][0][0]["detail"]))


def main():
    ccxsnap.wait_ready()
    if VARIANT == "reachable":
        ccxsnap.snapshot("before")
        for i in range(N):
            run_components(Broker(), [parse_component], True)
            hmonitor.remember("user:%d" % i, Session(i))
            h = Holder()
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(h))
        pending = [Pending() for i in range(N)]
        captured = [Captured() for i in range(N)]

        def closure():
            return captured
        items = [Item() for i in range(N)]
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(items))
        del h, items
        after = ccxsnap.snapshot("after")
        hold, broker = holders_of(after, "Broker")
        print("  holders: %d objects, %d edges, %d roots, search %.1f ms (graph %.1f ms)"
              % (hold["objects"], hold["edges"], hold["roots"], hold["search_ms"], hold["graph_ms"]))
        expect(hold["search_ms"] > 0 and hold["graph_ms"] > 0 and hold["search_ms"] >= hold["graph_ms"],
               "the search time is not recorded")
        expect(hold["objects"] > 4 * N, "the graph has only %d objects" % hold["objects"])
        check_broker(broker)
        check_session(holders_of(after, "Session")[1])
        check_c_held(holders_of(after, "Holder")[1], holders_of(after, "Item")[1])
        check_running_local(holders_of(after, "Pending")[1], holders_of(after, "Captured")[1])
        del pending, closure
        grown = [t["name"] for t in hold["types"] if t["why"] == "growth"]
        print("  picked by growth: %s" % grown)
        expect(grown, "no type picked by growth")
        for t in hold["types"]:
            expect(t["growth"] is not None and t["search_ms"] >= 0, "%s: no growth or time" % t["name"])
    elif VARIANT == "cycle":
        gc.collect()
        gc.set_threshold(700, 10, 1 << 30)     # no automatic full collection
        ccxsnap.snapshot("before")
        pending = []
        for i in range(N):
            broker = Broker()
            run_components(broker, [parse_component], False)
            pending.append(broker)
            if len(pending) == 50:
                gc.collect(1)                   # promote them to the oldest generation
                del pending[:]
        gc.collect(1)
        del pending[:]
        broker = None
        after = ccxsnap.snapshot("after")
        hold, t = holders_of(after, "Broker")
        check_examined(t, True)
    elif VARIANT == "options":
        top, samples = int(os.environ["WL_TOP"]), int(os.environ["WL_SAMPLES"])
        want_named = [n for n in os.environ["WL_NAMED"].split(",") if n]
        ccxsnap.snapshot("before")
        kept = []
        for i in range(N):
            kept.append(Broker())
            hmonitor.remember("user:%d" % i, Session(i))
        after = ccxsnap.snapshot("after")
        hold = (after.get("python") or {}).get("holders")
        expect(hold is not None, "no python.holders in the snapshot")
        expect(hold["samples"] == samples, "%d samples recorded, not %d" % (hold["samples"], samples))
        grown = [t["name"] for t in hold["types"] if t["why"] == "growth"]
        named = [t["name"] for t in hold["types"] if t["why"] == "named"]
        print("  samples %d, picked by growth: %s, named: %s" % (hold["samples"], grown, named))
        expect(len(grown) <= top and (top == 0 or grown), "%d types picked by growth with %d allowed"
               % (len(grown), top))
        for name in want_named:
            t = [t for t in hold["types"] if t["name"] == name]
            expect(t, "named type %s not examined (types: %s)" % (name, grown + named))
            expect(t[0]["examined"] == min(samples, t[0]["count"]), "%s: %d examined, not %d"
                   % (name, t[0]["examined"], min(samples, t[0]["count"])))
        expect(top > 0 or sorted(named) == sorted(want_named), "named types %s, not %s" % (named, want_named))
        del kept
    else:
        ccxsnap.fail("unknown variant %r" % VARIANT)
    print("ok")


main()
