"""wl_broker.py VARIANT - the insights-core Broker pattern (DESIGN.md): a
component raises inside a run_components-style loop and add_exception
stores the exception, whose traceback pins the frames of run_components
(whose locals pin the broker) and of the component (whose large local
stays alive with it).

  leak   a module-level list also keeps the exceptions: the census grows by
         exactly 1 Broker, 2 tracebacks and 2 frames per item (within 3%),
         and the top growing line is the component's large local, with
         run_components in its stack.
  cycle  only the cycle; each broker is promoted to the oldest generation
         (gc.collect(1) while it is still referenced) before it becomes
         garbage, and automatic full collections are off, as in a service
         with a large long-lived heap.  With CCXTRACE_GC_COLLECT=1 the
         snapshot's after_collect census shows the growth was reclaimable.
  fixed  the traceback is dropped (ex.__traceback__ = None): over four
         snapshots no site is classified as steady growth.
"""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

VARIANT = sys.argv[1]
N = 1200
errors = []


class Broker(object):
    def __init__(self):
        self.instances = {}
        self.exceptions = {}

    def add_exception(self, component, ex):
        self.exceptions.setdefault(component, []).append(ex)


def parse_component(broker):
    rows = [("%06d|" % i) * 12 for i in range(200)]     # BIG-LOCAL
    raise ValueError("cannot parse %d rows" % len(rows))


def run_components(broker, components):
    for component in components:
        try:
            broker.instances[component] = component(broker)
        except Exception as ex:
            broker.add_exception(component, ex)
            if VARIANT == "leak":
                errors.append(ex)
            elif VARIANT == "fixed":
                ex.__traceback__ = None


COMPONENTS = [parse_component]


def count(snap, name, key="types"):
    t = ccxsnap.types(snap, key).get(name)
    return t["count"] if t else 0


def near(got, want, rel, what):
    print("  %s: %d (expected %d)" % (what, got, want))
    if abs(got - want) > rel * want + 3:
        ccxsnap.fail("%s is %d, expected %d within %.0f%%" % (what, got, want, 100 * rel))


def main():
    ccxsnap.wait_ready()
    me = os.path.basename(__file__)
    big = ccxsnap.lineno_of("# BIG-LOCAL")
    if VARIANT == "leak":
        before = ccxsnap.snapshot_path("before")   # parsed after the second one
        for i in range(N):
            # Called from this frame (which exists once), so each item pins
            # exactly the frames of run_components and of the component.
            run_components(Broker(), COMPONENTS)
        after = ccxsnap.snapshot_path("after")
        before, after = ccxsnap.load(before), ccxsnap.load(after)
        near(count(after, "Broker") - count(before, "Broker"), N, 0.03, "Broker growth")
        near(count(after, "traceback") - count(before, "traceback"), 2 * N, 0.03, "traceback growth")
        near(count(after, "frame") - count(before, "frame"), 2 * N, 0.03, "frame growth")
        ranked = ccxsnap.diff_by_line(before, after)
        print("  top line: %s %+.0f" % (ranked[0][1], ranked[0][0]))
        # (Before 3.12 the list comprehension is a frame of its own, at the same line.)
        top = ranked[0][1]
        if (top[0], top[2]) != (me, big):
            ccxsnap.fail("the top growing line is %s, not the component's large local" % (top,))
        stacks = [[f["function"] for f in ccxsnap.py_frames(s)]
                  for s in ccxsnap.sites(after) if ccxsnap.leaf_line(s) == top]
        if not any("run_components" in fns and any("parse_component" in f for f in fns) for fns in stacks):
            ccxsnap.fail("parse_component and run_components are not in the stack of the growing line")
        if "_path" in before:
            res = ccxsnap.analyze("diff", before["_path"], after["_path"], "--by", "line", "-n", "3")
            if res is not None:
                top = res["rows"][0]
                print("  ccx-analyze diff: %s %s" % (top["label"], top["status"]))
                if ("wl_broker.py:%d " % big) not in top["label"] or not top["significant"]:
                    ccxsnap.fail("ccx-analyze diff's top row is %s (%s)" % (top["label"], top["status"]))
    elif VARIANT == "cycle":
        gc.collect()
        gc.set_threshold(700, 10, 1 << 30)     # no automatic full collection
        before = ccxsnap.snapshot_path("before")   # parsed after the second one
        pending = []
        for i in range(N):
            broker = Broker()
            run_components(broker, COMPONENTS)
            pending.append(broker)
            if len(pending) == 50:
                gc.collect(1)                   # promote them to the oldest generation
                del pending[:]
        gc.collect(1)
        del pending[:]
        broker = None
        after = ccxsnap.snapshot_path("after")
        before, after = ccxsnap.load(before), ccxsnap.load(after)
        py = after.get("python") or {}
        if "after_collect" not in py:
            ccxsnap.fail("no after_collect census (CCXTRACE_GC_COLLECT=1 expected)")
        near(count(after, "Broker") - count(before, "Broker"), N, 0.03, "Broker growth before gc.collect()")
        left = {t["name"]: t["count"] for t in py["after_collect"]["types"]}.get("Broker", 0)
        print("  Broker after gc.collect(): %d; collected %s" % (left, py["after_collect"]["collected"]))
        if left > 3:
            ccxsnap.fail("%d Broker objects survive gc.collect(): not reclaimable?" % left)
        if py["after_collect"]["collected"] < 4 * N:
            ccxsnap.fail("gc.collect() collected only %s objects" % py["after_collect"]["collected"])
        # The traced heap gc.collect() freed: at least the big locals the
        # garbage frames kept (the rows lists and their strings), measured
        # here on one; at most twice that (frames, tracebacks, brokers,
        # their dicts are much smaller).
        rows = [("%06d|" % i) * 12 for i in range(200)]
        owned = N * (sys.getsizeof(rows) + sum(sys.getsizeof(x) for x in rows))
        freed = after["totals"]["live_bytes"] - py["after_collect"].get("live_bytes", after["totals"]["live_bytes"])
        print("  traced heap freed by gc.collect(): %d bytes (the big locals: %d)" % (freed, owned))
        if not 0.8 * owned <= freed <= 2 * owned:
            ccxsnap.fail("gc.collect() freed %d bytes of the traced heap, expected %d to %d"
                         % (freed, 0.8 * owned, 2 * owned))
        if "_path" in before:
            res = ccxsnap.analyze("diff", before["_path"], after["_path"], "--by", "line", "-n", "100")
            if res is not None:
                rows = {t["type"]: t for t in (res.get("python") or {}).get("types", [])}
                b = rows.get("Broker", {})
                print("  ccx-analyze diff: Broker %+d, reclaimable %s" % (b.get("count_delta", 0), b.get("reclaimable_count")))
                near(b.get("reclaimable_count") or 0, N, 0.03, "ccx-analyze: reclaimable Broker objects")
                ac = res["python"].get("after_collect") or {}
                print("  ccx-analyze diff: traced heap growth %s, reclaimable %s, reachable %s"
                      % (ac.get("heap_growth_bytes"), ac.get("heap_reclaimable_bytes"), ac.get("heap_reachable_growth_bytes")))
                if ac.get("heap_reclaimable_bytes") != freed:
                    ccxsnap.fail("ccx-analyze: heap_reclaimable_bytes %s, the snapshot says %d"
                                 % (ac.get("heap_reclaimable_bytes"), freed))
                if abs(ac.get("heap_reachable_growth_bytes", 1e18)) > 0.1 * owned:
                    ccxsnap.fail("ccx-analyze: %s bytes of reachable heap growth in the cycle variant"
                                 % ac.get("heap_reachable_growth_bytes"))
    elif VARIANT == "fixed":
        # Keep only what is needed of each snapshot, so the test's own
        # parsed JSON does not grow between them.
        def take(label):
            d = ccxsnap.snapshot(label)
            return d.get("_path"), count(d, "Broker"), ccxsnap.by_leaf_line(d)
        snaps = [take("batch0")]
        for b in range(1, 4):
            for i in range(N // 3):
                run_components(Broker(), COMPONENTS)
            snaps.append(take("batch%d" % b))
        near(snaps[-1][1] - snaps[0][1], 0, 0, "Broker growth")
        mine = {k: v - snaps[0][2].get(k, 0.0) for k, v in snaps[-1][2].items() if k[0] == me}
        worst = max(mine.items(), key=lambda kv: kv[1]) if mine else (None, 0.0)
        print("  largest growth at a line of this workload: %s %+.0f" % worst)
        if worst[1] > (1 << 20):
            ccxsnap.fail("a line grew by %.0f bytes with the fix" % worst[1])
        if snaps[0][0]:
            res = ccxsnap.analyze("trend", *[s[0] for s in snaps])
            if res is not None:
                sig = [r for r in res.get("rows", []) if r.get("significant")]
                print("  ccx-analyze trend: %d sites with steady growth" % len(sig))
                if sig:
                    ccxsnap.fail("ccx-analyze trend classifies steady growth: %s" % [r["label"] for r in sig])
    else:
        ccxsnap.fail("unknown variant %r" % VARIANT)
    print("ok")


main()
