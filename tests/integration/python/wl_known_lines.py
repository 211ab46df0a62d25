"""wl_known_lines.py - two functions at known lines keep memory (200-byte
strings, which pymalloc serves, and 64 KiB bytes objects); churn elsewhere
allocates ten times as much and frees it.  The per-line diff of the
snapshots before and after must rank the two lines first and second with
estimates within 10% of the sizes this script measures itself
(sys.getsizeof sums).  Run under CCXTRACE_SAMPLE=16k (or all): 10% is then
more than four standard errors (sqrt(T/S) = 2.2% for S = 32 MiB)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

N_STR = 130000                  # 200-character strings: ~32 MiB
N_BYTES = 480                   # 64 KiB bytes objects: ~30 MiB
keep_str = []
keep_bytes = []


def keep_strings(n):
    for i in range(n):
        keep_str.append(("%08d" % i) * 25)          # KEEP-STR


def keep_blobs(n):
    for i in range(n):
        keep_bytes.append(bytes(65536))             # KEEP-BYTES


def churn(total):
    done = 0
    while done < total:
        tmp = [("%07d" % j) * 28 for j in range(2000)]   # CHURN
        tmp.append(bytearray(32768))
        done += sum(sys.getsizeof(x) for x in tmp)
        del tmp


def main():
    ccxsnap.wait_ready()
    # Parsed only after the second snapshot: a parsed snapshot is large (in
    # `all` mode tens of MiB of dicts) and would count as growth.
    before = ccxsnap.snapshot_path("before")
    keep_strings(N_STR)
    keep_blobs(N_BYTES)
    truth_str = sum(sys.getsizeof(s) for s in keep_str) + sys.getsizeof(keep_str) - sys.getsizeof([])
    truth_bytes = sum(sys.getsizeof(b) for b in keep_bytes) + sys.getsizeof(keep_bytes) - sys.getsizeof([])
    churn(10 * (truth_str + truth_bytes))
    after = ccxsnap.snapshot_path("after")
    before, after = ccxsnap.load(before), ccxsnap.load(after)
    me = os.path.basename(__file__)
    want = {
        (me, "keep_strings", ccxsnap.lineno_of("# KEEP-STR")): truth_str,
        (me, "keep_blobs", ccxsnap.lineno_of("# KEEP-BYTES")): truth_bytes,
    }
    # Sampling: 10% (over four standard errors at 16k); `all`: exact but
    # for the list's own header, allocated at another line.
    bound = 0.001 if after.get("sampling", {}).get("mode") == "all" else 0.10
    ranked = ccxsnap.diff_by_line(before, after)
    for growth, line in ranked[:4]:
        print("  %+12.0f  %s:%s:%d" % (growth, *line))
    top2 = {line for _, line in ranked[:2]}
    if top2 != set(want):
        ccxsnap.fail("the two kept lines are not ranked first and second: %s" % [l for _, l in ranked[:3]])
    got = dict((line, g) for g, line in ranked)
    for line, truth in want.items():
        err = (got.get(line, 0.0) - truth) / truth
        print("  %s:%d estimate %.0f true %d error %+.1f%%" % (line[1], line[2], got[line], truth, 100 * err))
        if abs(err) > bound:
            ccxsnap.fail("%s estimate off by %+.1f%% (bound %g%%)" % (line[1], 100 * err, 100 * bound))
    # The analyzer's view of the same two snapshots, when it is there.
    if "_path" in before:
        res = ccxsnap.analyze("diff", before["_path"], after["_path"], "--by", "line", "-n", "2")
        if res is not None:
            rows = res["rows"]
            labels = [r["label"] for r in rows[:2]]
            print("  ccx-analyze diff --by line: %s" % labels)
            for (f, fn, ln), truth in want.items():
                hit = [r for r in rows[:2] if r["label"].endswith("%s:%d %s" % (f, ln, fn))]
                if not hit:
                    ccxsnap.fail("ccx-analyze diff does not rank %s:%d in its first two rows: %s" % (fn, ln, labels))
                if abs(hit[0]["growth_bytes"] - truth) > 0.10 * truth:
                    ccxsnap.fail("ccx-analyze diff: %s grows %d, true %d" % (fn, hit[0]["growth_bytes"], truth))
    churn_line = (me, "churn", ccxsnap.lineno_of("# CHURN"))
    if abs(got.get(churn_line, 0.0)) > 0.02 * truth_str:
        ccxsnap.fail("churn line still holds %.0f bytes after freeing everything" % got[churn_line])
    print("ok")


main()
