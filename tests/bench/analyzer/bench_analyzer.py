#!/usr/bin/env python3
"""bench_analyzer.py - ccx-analyze's performance targets (issue 4), as
ratios against the target in the same run (no pass/fail timing):
  diff of two snapshots of 100,000 sites, stacks 20 frames deep: < 2 s, < 1 GiB RSS
  trend over 50 snapshots of 10,000 sites: < 5 s
Baseline for scale: Python's json.load of the same files.  Medians of 3."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
sys.path.insert(0, os.path.join(root, "tests", "integration", "analyzer"))
import ccxsnap  # noqa: E402

tool = os.path.join(os.environ.get("CCX_BUILD", os.path.join(root, "build")), "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()


def timed(args):
    t0 = time.monotonic()
    p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        print("failed: %s: %s" % (" ".join(args), p.stderr.decode()[-300:]))
        sys.exit(1)
    return dt


def json_baseline(paths):
    t0 = time.monotonic()
    for p in paths:
        with open(p) as f:
            json.load(f)
    return time.monotonic() - t0


big = ccxsnap.bench(os.path.join(tmp, "big"), 100000, 20, 2)
many = ccxsnap.bench(os.path.join(tmp, "many"), 10000, 20, 50)
size_big = sum(os.path.getsize(p) for p in big) / 2 ** 20

rows = []
d = [timed([tool, "diff", big[0], big[1], "--format", "json"]) for _ in range(3)]
rss_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
jb = json_baseline(big)
rows.append(("diff 2 x 100k sites (%.0f MiB JSON)" % size_big, statistics.median(d), 2.0, jb))
t = [timed([tool, "trend"] + many + ["--format", "json"]) for _ in range(3)]
jm = json_baseline(many)
rows.append(("trend 50 x 10k sites", statistics.median(t), 5.0, jm))

print("%-36s %9s %9s %14s %16s" % ("case", "median s", "target s", "ratio/target", "json.load s (x)"))
for name, v, target, base in rows:
    print("%-36s %9.2f %9.1f %14.2f %9.2f (%.2fx)" % (name, v, target, v / target, base, v / base))
print("peak RSS of the diff: %.0f MiB (target < 1024 MiB, ratio %.2f)" % (rss_mib, rss_mib / 1024))
