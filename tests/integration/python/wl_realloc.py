"""wl_realloc.py - the Python layer's realloc keeps each recorded block
where it is.  Ground truth is what the workload itself holds:

1. A failed realloc leaves the old block alive (the PyMem domains never
   free on failure), so its sample must stay too: K bytearrays of 100 KiB
   made at one line are each asked to grow to about 1 PB (`*=`, more than
   the address space: PyObject_Realloc returns NULL and Python raises
   MemoryError).  That line must still hold their bytes.
2. A successful realloc moves the block: K bytearrays made at one line are
   grown to 300 KiB at another (`+=`, PyObject_Realloc).  The first line
   must hold nothing any more and the second the grown sizes; once they
   are dropped, neither holds anything (no record left at an old address).

Blocks this large are sampled with probability > 0.99 at 16k and recorded
in `all` mode, with weights within 1% of their sizes."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

K = 20
SMALL = 100 * 1024
GROWN = 300 * 1024
ME = os.path.basename(__file__)


def line_bytes(snap, line):
    return sum(v for (f, _fn, ln), v in ccxsnap.by_leaf_line(snap).items() if f == ME and ln == line)


def check(what, got, want, ok):
    lo, hi = 0.9 * want, 1.1 * want + 64 * 1024
    print("%s: %d bytes (expected %d)" % (what, got, want))
    if not lo <= got <= hi:
        print("FAIL: %s: %d bytes, expected %d (+-10%%)" % (what, got, want))
        return False
    return ok


def main():
    ccxsnap.wait_ready()
    ok = True
    line_kept = ccxsnap.lineno_of("# KEPT")
    line_made = ccxsnap.lineno_of("# MADE")
    line_grown = ccxsnap.lineno_of("# GROWN")

    # 1. Failed reallocs.
    kept = [bytearray(SMALL) for _ in range(K)]  # KEPT
    failures = 0
    for b in kept:
        try:
            b *= 10 ** 10      # about 1 PB: PyObject_Realloc fails
        except MemoryError:
            failures += 1
    if failures != K:
        ccxsnap.fail("only %d of %d huge reallocs failed" % (failures, K))
    true_kept = sum(sys.getsizeof(b) for b in kept)
    snap = ccxsnap.snapshot("after-failed")
    ok = check("line %d after %d failed reallocs" % (line_kept, K), line_bytes(snap, line_kept), true_kept, ok)

    # 2. Successful reallocs move the record to the new block.
    made = [bytearray(SMALL) for _ in range(K)]  # MADE
    for b in made:
        b += bytes(GROWN - SMALL)  # GROWN
    true_grown = sum(sys.getsizeof(b) for b in made)
    snap = ccxsnap.snapshot("after-grown")
    ok = check("line %d once its blocks were grown elsewhere" % line_made, line_bytes(snap, line_made), 0, ok)
    ok = check("line %d that grew them" % line_grown, line_bytes(snap, line_grown), true_grown, ok)
    del made, b
    snap = ccxsnap.snapshot("after-dropped")
    ok = check("line %d once dropped" % line_grown, line_bytes(snap, line_grown), 0, ok)
    ok = check("line %d still kept" % line_kept, line_bytes(snap, line_kept), true_kept, ok)
    if not ok:
        sys.exit(1)


main()
