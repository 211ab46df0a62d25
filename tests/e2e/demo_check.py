"""demo_check.py - checks one `make demo` output directory (tests/e2e/test_demo.sh).

    python3 demo_check.py MODE OUT_DIR PIPELINE_PY [LEAKY_OUT_DIR]

Ground truth comes from the run itself and from the demo's code, not from
the analyzer: the uploads the service processed (its /status), the Broker
objects the tracer's census counted in the raw snapshots, and the bytes the
leaking line allocates per upload, computed here by formatting rows exactly
like pipeline.py does.  Prints one line per check; exit 1 on any failure.
"""

import glob
import json
import math
import os
import re
import sys

mode, out, pipeline_py = sys.argv[1:4]
leaky_out = sys.argv[4] if len(sys.argv) > 4 else None
failed = []


def check(cond, what):
    print("%s [%s] %s" % ("ok  " if cond else "FAIL", mode, what))
    if not cond:
        failed.append(what)


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


def snapshots(d):
    names = glob.glob(os.path.join(d, "snapshots", "ccxtrace.*.json"))
    return [json.load(open(n)) for n in sorted(names, key=lambda n: int(n.split(".")[-2]))]


def census(snap, name, after=False):
    py = snap.get("python") or {}
    types = (py.get("after_collect") or {}).get("types", []) if after else py.get("types", [])
    for t in types:
        if t["name"] == name:
            return t["count"]
    return 0


def detail_rows():
    sys.path.insert(0, os.path.dirname(pipeline_py))
    import pipeline
    return pipeline.DEFAULT_DETAIL_ROWS


def per_upload_bytes():
    """Bytes the storing line allocates per upload: its rows (formatted here
    exactly like pipeline.py formats them) and the list holding them."""
    sys.path.insert(0, os.path.dirname(pipeline_py))
    import pipeline
    sample = pipeline.DETAIL_FORMAT % ((1, "authentication", "Available", "True",
                                         "00000000-0000-0000-0000-000000000000", "4.14.1", "x"))
    n = pipeline.DEFAULT_DETAIL_ROWS
    return n * sys.getsizeof(sample) + sys.getsizeof([None] * n)


src = open(pipeline_py).read().splitlines()
line = next(i + 1 for i, l in enumerate(src) if l.strip().startswith("details = [DETAIL_FORMAT"))
where = "pipeline.py:%d" % line
status = load("service-status.json")
trend = load("trend.json")
# the snapshots the demo analyzed (the cyclic mode takes one more after them)
snaps = [json.load(open(s["path"])) for s in trend["snapshots"]]
check(len(snapshots(out)) == len(snaps) + (1 if mode == "cyclic" else 0),
      "%d snapshots in the directory, %d analyzed" % (len(snapshots(out)), len(snaps)))
diff = load("diff-by-line.json")
check(len(snaps) >= 5, "%d snapshots (bursts + 1)" % len(snaps))
check(status["idle"] and status["failed"] == 0 and status["processed"] > 0,
      "service processed %d uploads, queue drained" % status["processed"])
check(all(s["reason"] == "trigger" for s in snaps), "every snapshot came from the trigger file")
processed = status["processed"]
warm = load("service-status-start.json")["processed"]   # warm-up uploads before the baseline
brokers = [census(s, "Broker") for s in snaps]
head = trend["headline"]
rows = trend["rows"]

if mode == "leaky":
    check(brokers[0] == warm and brokers[-1] == processed,
          "census: Broker objects %s: %d warm-up uploads at the baseline, %d processed at the last"
          % (brokers, warm, processed))
    check(brokers == sorted(brokers) and len(set(brokers)) == len(brokers), "Broker count grows at every snapshot")
    check(head["steady_sites"] >= 1, "steady growth detected (%d sites)" % head["steady_sites"])
    top = rows[0]
    check(top["class"] == "steady" and where in top["label"],
          "top growing site is the storing line %s: %s (%s)" % (where, top["label"], top["class"]))
    check(any("run_components" in fr for fr in top["stack"]), "the broker's run loop is in its stack")
    # the line's growth against the bytes it allocates per upload
    per_upload = per_upload_bytes()
    expect = (processed - warm) * per_upload
    drow = next((r for r in diff["rows"] if where in r.get("label", "")), None)
    check(drow is not None, "diff --by line has %s" % where)
    if drow is not None:
        growth = drow.get("growth_bytes", drow.get("delta_bytes"))
        if growth is None:
            growth = drow["new_bytes"] - drow["old_bytes"]
        t = snaps[-1]["sampling"]["interval_bytes"]
        se = math.sqrt(t * expect)
        check(abs(growth - expect) <= 4 * se + 0.05 * expect,
              "its growth %.1f MiB vs %.1f MiB allocated by %d uploads x %d rows (4 SE = %.1f MiB)"
              % (growth / 2**20, expect / 2**20, processed - warm, detail_rows(), 4 * se / 2**20))
elif mode == "cyclic":
    # Each snapshot's gc.collect() frees every Broker but the worker's last
    # one; a burst of N uploads then adds N, and the old last one becomes
    # garbage: N + 1 before the next collect (N after the first burst), 1 after.
    summary = load("driver-summary.json")
    per_burst = [p["accepted"] for p in summary["phases"] if p["name"].startswith("burst")]
    want = [warm]
    for n in per_burst:
        want.append(n + (1 if want[-1] > 0 else 0))
    check(brokers == want, "census before gc.collect(): Brokers %s, expected %s from the bursts %s"
          % (brokers, want, per_burst))
    after = [census(s, "Broker", after=True) for s in snaps]
    acs = [(s.get("python") or {}).get("after_collect") for s in snaps]
    check(all(a is not None for a in acs), "every snapshot carries the census after gc.collect()")
    check(all(n <= 1 for n in after[1:]) and all(a["collected"] > 0 for a in acs[1:] if a),
          "after gc.collect(): Brokers %s, collected %s" % (after, [a and a["collected"] for a in acs]))
    # the snapshot taken right after the last one: what its gc.collect() freed
    # at the storing line is the rows of the last burst's Brokers (all garbage
    # but the worker's last one, which was already there before the burst)
    reclaim = load("reclaim.json")
    rrow = next((r for r in reclaim["rows"] if where in r["label"]), None)
    check(rrow is not None, "the reclaim diff has %s" % where)
    if rrow is not None:
        freed = -rrow["growth_bytes"]
        expect = per_burst[-1] * per_upload_bytes()
        se = math.sqrt(snaps[-1]["sampling"]["interval_bytes"] * expect)
        check(abs(freed - expect) <= 4 * se + 0.05 * expect,
              "gc.collect() freed %.1f MiB at %s: the %d garbage Brokers' rows, %.1f MiB (4 SE = %.1f MiB)"
              % (freed / 2**20, where, per_burst[-1], expect / 2**20, 4 * se / 2**20))
    report = open(os.path.join(out, "report.md")).read()
    check(re.search(r"reclaim", report, re.I) is not None, "the report says how much was reclaimable")
elif mode == "fixed":
    check(max(brokers) <= 1, "census: at most one Broker alive %s" % brokers)
    check(head["steady_sites"] == 0, "no site classified as steady growth (%d)" % head["steady_sites"])
    if leaky_out:
        leaky = json.load(open(os.path.join(leaky_out, "trend.json")))["headline"]
        check(head["live_rate_bytes_per_h"] <= leaky["live_rate_bytes_per_h"] / 10,
              "live growth %.1f MiB/h is at most a tenth of the leaky mode's %.1f MiB/h"
              % (head["live_rate_bytes_per_h"] / 2**20, leaky["live_rate_bytes_per_h"] / 2**20))
for f in ("report.md", "report.html"):
    p = os.path.join(out, f)
    check(os.path.exists(p) and os.path.getsize(p) > 500, "%s written" % f)
sys.exit(1 if failed else 0)
