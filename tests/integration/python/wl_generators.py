"""wl_generators.py - allocations inside a generator (consumed by list()
through C) and inside asyncio coroutines are charged to their own lines,
with the consumer (the generator's caller, the event loop) below them in
the stack; estimates within 20% of the kept bytes (more than four
standard errors at CCXTRACE_SAMPLE=16k for ~9 MiB)."""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

N = 28000
kept_c = []


def produce(n):
    for i in range(n):
        yield "g%07d" % i * 40                # LINE-GEN


def consume():
    return list(produce(N))                  # LINE-CONSUME


async def worker(k, n):
    for i in range(n):
        if i % 1000 == 0:
            await asyncio.sleep(0)
        kept_c.append("c%07d" % i * 40)      # LINE-CORO


async def gather():
    await asyncio.gather(*(worker(k, N // 4) for k in range(4)))


def main():
    ccxsnap.wait_ready()
    before = ccxsnap.snapshot_path("before")   # parsed after the second one
    kept_g = consume()
    asyncio.run(gather())
    after = ccxsnap.snapshot_path("after")
    before, after = ccxsnap.load(before), ccxsnap.load(after)
    me = os.path.basename(__file__)
    growth = dict((k, g) for g, k in ccxsnap.diff_by_line(before, after))
    checks = [("produce", "# LINE-GEN", kept_g, "consume"),
              ("worker", "# LINE-CORO", kept_c, "_run_once")]
    for fn, marker, kept, below in checks:
        line = ccxsnap.lineno_of(marker)
        truth = sum(sys.getsizeof(s) for s in kept)
        got = growth.get((me, fn, line), 0.0)
        err = (got - truth) / truth
        print("  %s line %d: estimate %.0f true %d error %+.1f%%" % (fn, line, got, truth, 100 * err))
        if abs(err) > 0.20:
            ccxsnap.fail("%s's line estimate off by %+.1f%% (bound 20%%)" % (fn, 100 * err))
        stacks = [[f["function"] for f in ccxsnap.py_frames(s)] for s in ccxsnap.sites(after)
                  if ccxsnap.leaf_line(s) == (me, fn, line)]
        if not any(any(f.endswith(below) for f in st[1:]) for st in stacks):
            ccxsnap.fail("no stack of %s has %s below it: %s" % (fn, below, stacks[:2]))
    print("ok")


main()
