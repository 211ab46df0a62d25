"""wl_early_arenas.py - objects allocated before the tracer's PyMem hooks
are in place live in pymalloc arenas that the mmap layer recorded; once
they are freed (after the hooks), those arenas must leave the snapshot:
the live mmap-layer bytes must drop by at least 80% of the bytes of the
freed objects (sys.getsizeof sums, measured here)."""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
early = ["e%08d" % i * 6 for i in range(600000)]   # before the hooks: ~60 MiB
import ccxsnap  # noqa: E402


def mmap_bytes(snap):
    return sum(s["live_bytes"] for s in ccxsnap.sites(snap) if s["layer"] == "mmap")


def main():
    global early
    ccxsnap.wait_ready()
    truth = sum(sys.getsizeof(x) for x in early)
    a = ccxsnap.snapshot("early-alive")
    early = None
    gc.collect()
    b = ccxsnap.snapshot("early-freed")
    drop = mmap_bytes(a) - mmap_bytes(b)
    print("  mmap layer: %.0f -> %.0f bytes (drop %.0f) after freeing %d bytes of early objects"
          % (mmap_bytes(a), mmap_bytes(b), drop, truth))
    if mmap_bytes(a) < 0.8 * truth:
        print("  (the hooks were in place before the early objects: nothing to check)")
    elif drop < 0.8 * truth:
        ccxsnap.fail("arenas freed after the hooks were installed are still reported")
    print("ok")


main()
