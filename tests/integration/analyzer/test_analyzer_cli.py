#!/usr/bin/env python3
"""test_analyzer_cli.py - ccx-analyze top/diff/trend/report on snapshots
with known contents (scenario.py): rankings, exact numbers, classes,
symbolic matching across runs, unknown fields ignored, --fail-above exit
statuses, every output format, golden outputs (golden/)."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenario  # noqa: E402
from scenario import MiB, HOUR  # noqa: E402

from antest import build, check, finish, need_tool, root, tmp, tool  # noqa: E402,F401
need_tool()


def run(*args, rc=0, env=None):
    e = dict(os.environ, COLUMNS="110")
    e.pop("NO_COLOR", None)
    if env:
        e.update(env)
    p = subprocess.run([tool] + [str(a) for a in args], capture_output=True, text=True, env=e)
    check(p.returncode == rc, "%s: exit %d, want %d; stderr: %s" % (" ".join(map(str, args)), p.returncode, rc, p.stderr.strip()))
    return p


def js(*args, rc=0):
    p = run(*args, "--format", "json", rc=rc)
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, "%s: output is not JSON" % " ".join(map(str, args)))
        return {}


d1 = os.path.join(tmp, "run1")
d2 = os.path.join(tmp, "run2")
os.makedirs(d1)
os.makedirs(d2)
p1 = scenario.series(d1)
p2 = scenario.series(d2, pid=777, base=0x7fff12340000, start=1795750000)
last = len(p1) - 1

# ---- top ----
t = js("top", p1[last], "-n", "3")
rows = t.get("rows", [])
check(len(rows) == 3, "top -n 3 gives 3 rows")
check(rows and rows[0]["label"].startswith("/app/x.py:42 Broker.add_exception"), "top 1 is the leak line: %s" % (rows[:1],))
check(rows and rows[0]["live_bytes"] == scenario.leak_bytes(last), "top 1 bytes exact")
check(rows and rows[0]["live_bytes_se"] == 0, "all mode: no sampling error")
check(rows and rows[0]["stack"][2] == "/app/x.py:42 Broker.add_exception" and rows[0]["stack"][3] == "/app/run.py:10 run_components",
      "python frames in the stack: %s" % (rows[0]["stack"] if rows else None))
check(len(rows) > 1 and rows[1]["label"].startswith("/app/cache.py:7 warm"), "top 2 is the plateau")
tf = js("top", p1[last], "--by", "file")
files = [r["label"] for r in tf.get("rows", [])]
check(files[:2] == ["/app/x.py", "/app/cache.py"], "--by file: %s" % files[:3])
tm = js("top", p1[last], "--by", "module")
nat = [r for r in tm.get("rows", []) if r["label"] == "libfoo.so"]
check(nat and nat[0]["live_bytes"] == 512 * 1024, "--by module: native-only stack keyed by libfoo.so (allocator frame skipped): %s" % [r["label"] for r in tm.get("rows", [])])
tfn = js("top", p1[last], "--by", "function")
check(any(r["label"] == "parse (libfoo.so)" for r in tfn.get("rows", [])), "--by function: native leaf outside the allocator is parse")
check(any(r["label"].startswith("Broker.add_exception") for r in tfn.get("rows", [])), "--by function: python function")
tl = js("top", p1[last], "--by", "line")
check(tl.get("rows") and tl["rows"][0]["label"].startswith("/app/x.py:42"), "--by line")
ty = js("top", p1[last], "--by", "type")
tyr = {r["type"]: r for r in ty.get("rows", [])}
check(tyr.get("frame", {}).get("count") == 20 + 200 * last, "--by type: census counts")
check(tyr.get("Broker", {}).get("after_collect_count") == 10 + 50 * last, "--by type: after_collect counts")

# owned_bytes (tracers that record it) is part of a type's bytes
with open(p1[last]) as fh:
    od = json.load(fh)
ot = od["python"]["types"][0]
ot["owned_bytes"] = 3 * MiB
op = os.path.join(tmp, "owned.json")
with open(op, "w") as fh:
    json.dump(od, fh)
tyo = {r["type"]: r for r in js("top", op, "--by", "type").get("rows", [])}
check(tyo.get(ot["name"], {}).get("bytes") == ot["bytes"] + 3 * MiB,
      "--by type: bytes + owned_bytes for %s: %s" % (ot["name"], tyo.get(ot["name"])))

# ---- diff ----
d = js("diff", p1[0], p1[last])
rows = d.get("rows", [])
lab = [r["label"].split(" [")[0] for r in rows]
check(lab[:2] == ["/app/x.py:42 Broker.add_exception", "/app/cache.py:7 warm"], "diff ranking: %s" % lab[:3])
check(rows and rows[0]["growth_bytes"] == 3 * MiB * last, "diff growth exact: %s" % (rows[0]["growth_bytes"] if rows else None))
check(rows and rows[0]["significant"] and rows[0]["status"] == "GROWTH", "leak significant in all mode")
check(len(rows) > 1 and rows[1]["new"] and rows[1]["growth_bytes"] == 10 * MiB, "plateau site is new since the first snapshot")
gone = [r for r in rows if r["label"].startswith("/app/old.py")]
check(gone and gone[0]["vanished"] and gone[0]["growth_bytes"] == -MiB, "vanished site")
noise = [r for r in rows if r["label"].startswith("/app/util.py")]
check(noise and not noise[0]["significant"], "0.1 MiB change is below --min-bytes: not significant")
tot = d.get("totals", {})
want_total = (scenario.leak_bytes(last) + 10 * MiB + int(2.1 * MiB) + 100 * 1024 + 512 * 1024) - \
             (scenario.leak_bytes(0) + int(2.0 * MiB) + MiB + 512 * 1024)
check(tot.get("live_bytes_delta") == want_total, "total growth %s want %s" % (tot.get("live_bytes_delta"), want_total))
check(tot.get("rss_delta") == int(4.5 * MiB * last), "rss delta")
check(tot.get("new_sites") == 2 and tot.get("vanished_sites") == 1, "new/vanished counts: %s" % tot)
pyd = d.get("python", {})
pt = {r["type"]: r for r in pyd.get("types", [])}
check(pt.get("Broker", {}).get("count_delta") == 100 * last, "Broker count delta")
check(pt.get("traceback", {}).get("count_delta") == 200 * last and pt.get("frame", {}).get("count_delta") == 200 * last,
      "traceback/frame count deltas")
check(pyd.get("gc", {}).get("collections_delta") == [100 * last, 10 * last, last], "gc collections delta")
ac = pyd.get("after_collect", {})
census_growth = (100 * last) * 56 + (200 * last) * 64 + (200 * last) * 400
check(ac.get("census_growth_bytes") == census_growth, "census growth %s want %s" % (ac.get("census_growth_bytes"), census_growth))
check(ac.get("reclaimable_bytes") == census_growth / 2 and ac.get("reachable_growth_bytes") == census_growth / 2,
      "after_collect split half/half: %s" % ac)
check(pt.get("frame", {}).get("reclaimable_count") == 100 * last, "per-type reclaimable count")
check("heap_reclaimable_bytes" not in ac, "no traced-heap split without after_collect.live_bytes: %s" % ac)


# The traced heap's split: after_collect.live_bytes (the tracer's live
# estimate once gc.collect() returned) against totals.live_bytes.
def with_after_live(path, name, drop):
    with open(path) as fh:
        doc = json.load(fh)
    ac = doc["python"].setdefault("after_collect", {"collected": 0, "types": doc["python"]["types"]})
    ac["live_bytes"] = doc["totals"]["live_bytes"] - drop
    ac["live_blocks"] = 1
    out = os.path.join(tmp, name)
    with open(out, "w") as fh:
        json.dump(doc, fh)
    return out, doc["totals"]["live_bytes"]


hb, live_b = with_after_live(p1[last], "heap-new.json", 5 * MiB)
live_a = json.load(open(p1[0]))["totals"]["live_bytes"]
ac = js("diff", p1[0], hb).get("python", {}).get("after_collect", {})
check(ac.get("heap_growth_bytes") == live_b - live_a and ac.get("heap_reclaimable_bytes") == 5 * MiB
      and ac.get("heap_reachable_growth_bytes") == live_b - live_a - 5 * MiB,
      "traced heap split against the old snapshot's totals: %s (live %d -> %d)" % (ac, live_a, live_b))
ha, _ = with_after_live(p1[0], "heap-old.json", MiB)
ac = js("diff", ha, hb).get("python", {}).get("after_collect", {})
check(ac.get("heap_growth_bytes") == live_b - (live_a - MiB) and ac.get("heap_reachable_growth_bytes") == live_b - 5 * MiB - (live_a - MiB),
      "traced heap split from the old snapshot's own after-collect heap: %s" % ac)
# trend's JSON carries the same split, first snapshot to last.
tr = js("trend", ha, p1[1], hb).get("python_after_collect", {})
check(tr.get("heap_reclaimable_bytes") == 5 * MiB and tr.get("census_growth_bytes") == ac.get("census_growth_bytes"),
      "trend's python_after_collect: %s" % tr)
txt = run("diff", ha, hb).stdout
check("Traced heap (the objects with what they own): of the growth" in txt and "gc.collect() freed 5.0 MiB" in txt,
      "diff's text gives the traced heap split: %s" % [l for l in txt.splitlines() if "heap" in l.lower()])

# same stacks, another run at other addresses: matched by symbols
x = js("diff", p1[2], p2[2])
check(x.get("totals", {}).get("new_sites") == 0 and x.get("totals", {}).get("vanished_sites") == 0,
      "two runs: every site matched symbolically: %s" % x.get("totals"))
check(all(r["growth_bytes"] == 0 for r in x.get("rows", [])), "two runs: no growth between identical contents")
# --by function merges the two native stacks? (one each) and --min-bytes hides small rows
m = js("diff", p1[0], p1[last], "--min-bytes", "2MB")
check(all(abs(r["growth_bytes"]) >= 2 * MiB for r in m.get("rows", [])) and len(m.get("rows", [])) == 2,
      "--min-bytes 2MB hides the small rows: %s" % [r["label"] for r in m.get("rows", [])])

# warnings and gates
w = run("diff", p1[last], p1[0])
check("newer than NEW" in w.stderr, "OLD newer than NEW warns")
other = json.load(open(p2[0]))
other["exe"] = "/usr/bin/python3.12"
op = os.path.join(tmp, "other-exe.json")
json.dump(other, open(op, "w"))
w = run("diff", p1[0], op)
check("different executables" in w.stderr, "different executables warn: %r" % w.stderr)
run("diff", p1[0], p1[last], "--fail-above", "10MB", rc=1)
run("diff", p1[0], p1[last], "--fail-above", "100MB", rc=0)

# ---- trend ----
tr = js("trend", *reversed(p1))  # any order
rows = {r["label"].split(" [")[0]: r for r in tr.get("rows", [])}
leak = rows.get("/app/x.py:42 Broker.add_exception", {})
check(leak.get("class") == "steady", "leak is steady growth: %s" % leak.get("class"))
check(abs(leak.get("rate_bytes_per_h", 0) - 3 * MiB) < 1e-3, "leak rate 3 MiB/h: %s" % leak.get("rate_bytes_per_h"))
check(abs(leak.get("r2", 0) - 1) < 1e-12, "perfect fit")
check(rows.get("/app/cache.py:7 warm", {}).get("class") == "stopped", "plateau is growth that stopped: %s" % rows.get("/app/cache.py:7 warm", {}).get("class"))
check(rows.get("/app/util.py:3 churn", {}).get("class") == "noise", "noise site is noise")
h = tr.get("headline", {})
check(h.get("steady_sites") == 1 and h.get("stopped_sites") == 1, "headline counts: %s" % h)
check(abs(h.get("rss_rate_bytes_per_h", 0) - 4.5 * MiB) < 1, "RSS rate beside: %s" % h.get("rss_rate_bytes_per_h"))
check(abs(h.get("top_steady_rate_bytes_per_h", 0) - 3 * MiB) < 1e-3, "top steady rate")
check([s["seq"] for s in tr.get("snapshots", [])] == list(range(1, len(p1) + 1)), "trend orders by time")
run("trend", *p1, "--fail-above", "2MB/h", rc=1)
run("trend", *p1, "--fail-above", "4MB/h", rc=0)
run("trend", d1, "--fail-above", "4MB/h", rc=0)  # a directory stands for its snapshots
run("trend", p1[0], p1[1], rc=2)

# ---- formats ----
for cmd in (["top", p1[last]], ["diff", p1[0], p1[last]], ["trend"] + p1):
    for fmt in ("text", "markdown", "folded", "json"):
        p = run(*cmd, "--format", fmt)
        check(p.stdout.strip() != "", "%s --format %s prints something" % (cmd[0], fmt))
        check("\033[" not in p.stdout, "%s --format %s: no colour off a TTY" % (cmd[0], fmt))
        if fmt == "folded":
            total = 0
            for line in p.stdout.splitlines():
                stack, _, v = line.rpartition(" ")
                check(stack and v.isdigit() and ";" in stack, "folded line shape: %r" % line)
                total += int(v)
            if cmd[0] == "diff":
                check(total == d["totals"]["positive_growth_bytes"], "folded diff sums to the positive growth")
            if cmd[0] == "top":
                check(total == t["total_live_bytes"], "folded top sums to the live bytes")
        if fmt == "markdown":
            check("|---" in p.stdout, "%s markdown has a table" % cmd[0])

# golden outputs (regenerate with CCX_GOLDEN_UPDATE=1 after checking them by eye)
golden = os.path.join(HERE, "golden")
def norm(s):
    return s.replace(tmp, "TMP")
for name, args in [("top.txt", ["top", p1[last], "-n", "5"]),
                   ("diff.txt", ["diff", p1[0], p1[last], "-n", "6"]),
                   ("diff.md", ["diff", p1[0], p1[last], "-n", "6", "--format", "markdown"]),
                   ("diff.folded", ["diff", p1[0], p1[last], "--format", "folded"]),
                   ("diff.json", ["diff", p1[0], p1[last], "-n", "3", "--format", "json"]),
                   ("trend.txt", ["trend"] + p1 + ["-n", "6"]),
                   ("report.md", ["report"] + p1 + ["-n", "3"])]:
    out = norm(run(*args).stdout)
    path = os.path.join(golden, name)
    if os.environ.get("CCX_GOLDEN_UPDATE"):
        os.makedirs(golden, exist_ok=True)
        open(path, "w").write(out)
    else:
        want = open(path).read() if os.path.exists(path) else None
        check(out == want, "golden %s differs:\n%s" % (name, out[:3000]))

# ---- report ----
out = os.path.join(tmp, "bug.md")
run("report", *p1, "-o", out)
md = open(out).read()
for sec in ("## Environment", "## Headline", "## Top growing sites", "## Flame graph", "## Memory over time",
            "## Python objects and gc", "run_components", "reclaimable", "3.0 MiB/h"):
    check(sec in md, "report.md has %r" % sec)
for side in ("bug.flame.svg", "bug.memory.svg"):
    sp = os.path.join(tmp, side)
    check(os.path.exists(sp), "sidecar %s written" % side)
    if os.path.exists(sp):
        ET.parse(sp)  # well-formed
html = os.path.join(tmp, "bug.html")
run("report", *p1, "--format", "html", "-o", html)
doc = open(html).read()
check(doc.count("<svg") == 2 and "http://" not in doc.replace("http://www.w3.org/2000/svg", ""), "html: two inline SVGs, no network")
check("<script" not in doc, "html: no scripts")
import re  # noqa: E402
for svg in re.findall(r"<svg.*?</svg>", doc, re.S):
    ET.fromstring(svg)
check("Broker.add_exception" in doc and "run_components" in doc, "html: stacks")
run("report", p1[0], "-o", os.path.join(tmp, "one.md"))  # one snapshot works
run("report", p1[0], p1[last], "--format", "html", "-o", os.path.join(tmp, "two.html"))

finish()
