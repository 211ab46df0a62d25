"""wl_incomplete_frames.py - allocations made while a function's frame is
pushed but has not reached its first traceable instruction (RESUME), which
CPython's frame API does not count (_PyFrame_IsIncomplete) and neither may
the walker:
  - the cell objects of MAKE_CELL (3.11+),
  - the generator object of RETURN_GENERATOR (3.11+),
  - an __init__ entered through the specialized CALL that first pushes a
    clean-up shim frame (3.13: code "__init__", line 0, never started).
With CCXTRACE_SAMPLE=all every allocation is a sample, so the check is
exact: the kept cells and generators are charged to the calling line
(LINE-CELLS, LINE-GEN), not to the callee at its `def` line; __init__'s
own allocation has its caller right below it; and no sample of the run
carries a Python frame at line 0.  3.9 and 3.10 build cells and
generators before the frame is linked in: there is nothing to skip and
the same checks hold."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

N = 3000
CELLS = 8
kept = []


def with_cells(n):
    a = b = c = d = e = f = g = h = n          # eight cell variables
    return lambda: a + b + c + d + e + f + g + h


def gen(n):
    yield n


class Init:
    def __init__(self, n):
        self.items = [n, n]                    # LINE-BODY


def run():
    for i in range(N):
        kept.append(with_cells(i))             # LINE-CELLS
        kept.append(gen(i))                    # LINE-GEN
        kept.append(Init(i))                   # LINE-INIT


def live_by_stack(snap):
    """live blocks per tuple of (function, line) Python frames, leaf first."""
    acc = {}
    for s in ccxsnap.sites(snap):
        key = tuple((f["function"], f["line"]) for f in ccxsnap.py_frames(s))
        acc[key] = acc.get(key, 0) + s["live_blocks"]
    return acc


def main():
    ccxsnap.wait_ready()
    run()
    snap = ccxsnap.snapshot("after")
    live = live_by_stack(snap)
    line = ccxsnap.lineno_of
    cells_at, gen_at, init_at = line("# LINE-CELLS"), line("# LINE-GEN"), line("# LINE-INIT")
    body_at = line("# LINE-BODY")

    def leaf_live(fn, ln, below=None):
        """live blocks whose leaf Python frame is fn (qualified name from
        3.11, plain before) at line ln, with below under it if given."""
        return sum(v for k, v in live.items() if k and k[0][1] == ln and
                   (k[0][0] == fn or fn.endswith("." + k[0][0])) and
                   (below is None or (len(k) > 1 and k[1] == below)))

    zero = [k for k in live if any(fr[0] == "run" for fr in k) and any(fr[1] == 0 for fr in k)]
    got = {
        "cells at the caller's line": (leaf_live("run", cells_at), CELLS * N),
        "generators at the caller's line": (leaf_live("run", gen_at), N),
        "__init__'s list above its caller": (
            leaf_live("Init.__init__", body_at, ("run", init_at)), N),
    }
    for what, (n, want) in sorted(got.items()):
        print("  %s: %d live blocks (at least %d)" % (what, n, want))
    print("  live blocks charged to with_cells/gen at their def line: %d, %d"
          % (leaf_live("with_cells", with_cells.__code__.co_firstlineno),
             leaf_live("gen", gen.__code__.co_firstlineno)))
    print("  stacks of the run with a line-0 Python frame: %d" % len(zero))
    if zero:
        ccxsnap.fail("Python frames at line 0 (an incomplete frame walked): %s" % zero[:3])
    for what, (n, want) in sorted(got.items()):
        if n < want:
            ccxsnap.fail("%s: %d live blocks, expected at least %d" % (what, n, want))
    print("ok")


main()
