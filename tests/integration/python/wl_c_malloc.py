"""wl_c_malloc.py - memory a C extension allocates with libc malloc while
Python code calls it must carry the Python frames that called it: the libc
layer's samples are merged with the calling thread's Python stack.
Two known lines call malloc directly through ctypes: one with the GIL
released during the call (ctypes.CDLL), one with it held (ctypes.PyDLL).
Each keeps about 24 MiB in 48 KiB blocks (below glibc's mmap threshold, so
the libc layer sees them); the per-line diff must rank both lines first and
second, within 10% of the bytes the script allocated (CCXTRACE_SAMPLE=16k:
10% is over four standard errors), on libc-layer sites."""
import ctypes
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

BLOCK = 48 * 1024
N = 512
released = ctypes.CDLL(None)        # releases the GIL around each call
held = ctypes.PyDLL(None)           # keeps the GIL
for lib in (released, held):
    lib.malloc.restype = ctypes.c_void_p
    lib.malloc.argtypes = [ctypes.c_size_t]
    lib.free.argtypes = [ctypes.c_void_p]
kept = []


def c_alloc_gil_released(n):
    for _ in range(n):
        kept.append(released.malloc(BLOCK))             # C-RELEASED


def c_alloc_gil_held(n):
    for _ in range(n):
        kept.append(held.malloc(BLOCK))                 # C-HELD


def main():
    ccxsnap.wait_ready()
    before = ccxsnap.snapshot_path("before")   # parsed after the second one
    c_alloc_gil_released(N)
    c_alloc_gil_held(N)
    after = ccxsnap.snapshot_path("after")
    before, after = ccxsnap.load(before), ccxsnap.load(after)
    if any(p is None for p in kept):
        ccxsnap.fail("malloc returned NULL")
    me = os.path.basename(__file__)
    want = {(me, "c_alloc_gil_released", ccxsnap.lineno_of("# C-RELEASED")): N * BLOCK,
            (me, "c_alloc_gil_held", ccxsnap.lineno_of("# C-HELD")): N * BLOCK}
    # Only libc-layer sites: these blocks never pass through PyMem.
    libc = lambda snap: {"sites": [s for s in ccxsnap.sites(snap) if s["layer"] == "libc"],
                         "stacks": None}
    ranked = ccxsnap.diff_by_line(libc(before), libc(after))
    for growth, line in ranked[:3]:
        print("  %+12.0f  %s:%s:%d" % (growth, *line))
    if {line for _, line in ranked[:2]} != set(want):
        ccxsnap.fail("the two malloc lines are not ranked first and second among libc sites: %s"
                     % [l for _, l in ranked[:3]])
    got = dict((line, g) for g, line in ranked)
    bound = 0.001 if after.get("sampling", {}).get("mode") == "all" else 0.10
    for line, truth in want.items():
        err = (got[line] - truth) / truth
        print("  %s:%d estimate %.0f true %d error %+.1f%%" % (line[1], line[2], got[line], truth, 100 * err))
        if abs(err) > bound:
            ccxsnap.fail("%s estimate off by %+.1f%% (bound %g%%)" % (line[1], 100 * err, 100 * bound))
    for p in kept:
        released.free(p)
    print("ok: C allocations carry their Python callers")


main()
