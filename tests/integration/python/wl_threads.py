"""wl_threads.py - four Python threads keep strings at four different lines
while a fifth sits in C with the GIL released (time.sleep) and a sixth
churns; every sampled block must be charged to its own thread's line and
stack (no frame of another thread in it), and each line's estimate must
be within 20% of the bytes the thread kept (more than four standard
errors at CCXTRACE_SAMPLE=16k: sqrt(16384 / 9 MiB) = 4.2%)."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

N = 30000
keep = [[], [], [], []]
go = threading.Event()


def worker0():
    go.wait()
    for i in range(N):
        keep[0].append("a%07d" % i * 36)    # LINE-W0


def worker1():
    go.wait()
    for i in range(N):
        keep[1].append("b%07d" % i * 36)    # LINE-W1


def worker2():
    go.wait()
    for i in range(N):
        keep[2].append("c%07d" % i * 36)    # LINE-W2


def worker3():
    go.wait()
    for i in range(N):
        keep[3].append("d%07d" % i * 36)    # LINE-W3


def sleeper():
    time.sleep(1.5)                         # LINE-SLEEP


def churner():
    go.wait()
    for i in range(200):
        x = [str(j) * 30 for j in range(500)]   # LINE-CHURN
        del x


def main():
    ccxsnap.wait_ready()
    before = ccxsnap.snapshot_path("before")   # parsed after the second one
    fns = [worker0, worker1, worker2, worker3, sleeper, churner]
    ts = [threading.Thread(target=f) for f in fns]
    for t in ts:
        t.start()
    time.sleep(0.05)
    go.set()
    for t in ts[:4]:
        t.join()
    after = ccxsnap.snapshot_path("after")      # the sleeper is still in C
    before, after = ccxsnap.load(before), ccxsnap.load(after)
    for t in ts[4:]:
        t.join()
    me = os.path.basename(__file__)
    names = ["worker%d" % i for i in range(4)] + ["sleeper", "churner"]
    lines = {("worker%d" % i): ccxsnap.lineno_of("# LINE-W%d" % i) for i in range(4)}
    growth = dict((k, g) for g, k in ccxsnap.diff_by_line(before, after))
    # Every site in a worker: its own function at the leaf-most Python frame,
    # no other thread function anywhere in the stack, threading's run below.
    for s in ccxsnap.sites(after):
        fr = ccxsnap.py_frames(s)
        mine = [f["function"] for f in fr if os.path.basename(f["file"] or "") == me
                and f["function"] in names]
        if not mine or s["live_bytes"] == 0:
            continue
        if len(set(mine)) != 1:
            ccxsnap.fail("a stack mixes threads: %s" % [(f["function"], f["line"]) for f in fr])
        if not any(f["function"].endswith("run") for f in fr):
            ccxsnap.fail("no threading run frame under %s: %s" % (mine[0], [f["function"] for f in fr]))
    for i in range(4):
        name = "worker%d" % i
        truth = sum(sys.getsizeof(s) for s in keep[i]) + sys.getsizeof(keep[i]) - sys.getsizeof([])
        got = growth.get((me, name, lines[name]), 0.0)
        err = (got - truth) / truth
        print("  %s line %d: estimate %.0f true %d error %+.1f%%" % (name, lines[name], got, truth, 100 * err))
        if abs(err) > 0.20:
            ccxsnap.fail("%s's line estimate off by %+.1f%% (bound 20%%)" % (name, 100 * err))
    sl = growth.get((me, "sleeper", ccxsnap.lineno_of("# LINE-SLEEP")), 0.0)
    if sl > 65536:
        ccxsnap.fail("%.0f bytes charged to the sleeping thread's line" % sl)
    print("ok")


main()
