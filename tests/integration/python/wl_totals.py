"""wl_totals.py - the snapshot's totals count every call once.  Between two
snapshots the workload allocates and frees N bytes objects of one size at
a time: 100 bytes (pymalloc serves them), 2000 bytes (pymalloc passes them
to malloc: the Python layer counts them and the libc layer must not count
them again, on allocation or on free) and 200 KiB (malloc's mmap range).
The deltas of alloc_calls, free_calls and alloc_bytes must match what the
loop did (N calls, N * sys.getsizeof bytes), within a small allowance for
the interpreter's own allocations around the loop and the snapshot call
(ccxsnap's wait for the file allocates nothing per poll: checked first).
Run with the default allocator, PYTHONMALLOC=malloc and -X dev (the debug
hooks), sampled (recorded blocks take the slow path) and in `all` mode."""
import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

N = 20000
SLACK_CALLS = 3000        # the snapshot call through ctypes, the loop's frame
SLACK_BYTES = 1 << 20


def churn(size, n):
    b = None
    for _ in itertools.repeat(None, n):   # no int objects per iteration
        b = bytes(size)                    # one allocation; the last b freed
    return sys.getsizeof(b)


def totals(snap):
    t = snap["totals"]
    return t["alloc_calls"], t["free_calls"], t["alloc_bytes"]


def wait_span(polls):
    """alloc_calls between two snapshots with a wait of POLLS polls for an
    absent file between them."""
    before = ccxsnap.snapshot_path("wait-%d-before" % polls)
    found = ccxsnap.wait_file(os.fsencode(before + ".absent"), polls * ccxsnap._POLL_S)
    after = ccxsnap.snapshot_path("wait-%d-after" % polls)
    if found:
        ccxsnap.fail("%s.absent exists" % before)
    return totals(ccxsnap.load(after))[0] - totals(ccxsnap.load(before))[0]


def quiet_wait():
    """ccxsnap's wait for a snapshot file must allocate nothing per poll:
    the waits sit inside the measured spans below, and a slow write (`all`
    mode on a loaded machine) once made them add ~2,000 calls.  The span's
    own calls (snapshot requests, ctypes) are the same with 1 poll or 31,
    give or take the few of snapshot_path that land before or after the
    helper reads the totals; a glob per poll made ~13 calls each."""
    polls = 30
    short, long_ = wait_span(1), wait_span(1 + polls)
    print("wait: 1 poll alloc_calls +%d, %d polls +%d" % (short, 1 + polls, long_))
    if long_ - short >= polls:
        print("FAIL: %d more polls for a snapshot file made %d more allocations"
              % (polls, long_ - short))
        return False
    return True


def main():
    ccxsnap.wait_ready()
    ccxsnap.snapshot_path("start")   # ccxsnap learns the files' name (its glob allocates)
    ccxsnap.wait_file(b"", 0)          # warm up the wait's code paths
    ok = quiet_wait()
    for size in (100, 2000, 200 * 1024):
        churn(size, 100)                   # warm up: code paths, caches
        before = ccxsnap.snapshot_path("before-%d" % size)
        each = churn(size, N)
        after = ccxsnap.snapshot_path("after-%d" % size)
        a0, f0, b0 = totals(ccxsnap.load(before))
        a1, f1, b1 = totals(ccxsnap.load(after))
        da, df, db = a1 - a0, f1 - f0, b1 - b0
        print("size %d: alloc_calls +%d free_calls +%d alloc_bytes +%d (loop: %d calls, %d bytes)"
              % (size, da, df, db, N, N * each))
        if not N <= da <= N + SLACK_CALLS:
            print("FAIL: size %d: alloc_calls grew by %d, the loop made %d allocations" % (size, da, N))
            ok = False
        if not N - SLACK_CALLS <= df <= N + SLACK_CALLS:
            print("FAIL: size %d: free_calls grew by %d, the loop freed %d blocks" % (size, df, N))
            ok = False
        if not N * each <= db <= N * each + SLACK_BYTES:
            print("FAIL: size %d: alloc_bytes grew by %d, the loop allocated %d" % (size, db, N * each))
            ok = False
    if not ok:
        sys.exit(1)


main()
