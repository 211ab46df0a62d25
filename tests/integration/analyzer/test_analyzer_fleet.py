#!/usr/bin/env python3
"""test_analyzer_fleet.py - trend over several processes against known
truth (fleet_scenario.py): each process fitted on its own, the fleet rate
the sum over concurrent lineages (18 + 18 + 54 = 90 MiB/h; one line through
all points, the old behaviour, gives about 29 MiB/h and "noise"), a restart
counted once, a one-snapshot process left out with its reason, another
script never summed with the service, the census within each process,
--group-by and --cmd, the far-rate mark, bad options (exit 2, one line)."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fleet_scenario as fs  # noqa: E402
from fleet_scenario import MiB  # noqa: E402

from antest import build, check, finish, need_tool, root, tmp, tool  # noqa: E402,F401
need_tool()


def run(*args, rc=0):
    e = dict(os.environ, COLUMNS="140", NO_COLOR="1")
    p = subprocess.run([tool] + [str(a) for a in args], capture_output=True, text=True, env=e)
    check(p.returncode == rc, "%s: exit %d, want %d; stderr: %s" % (" ".join(map(str, args)), p.returncode, rc,
                                                                    p.stderr.strip()))
    return p


def js(*args, rc=0):
    p = run(*args, "--format", "json", rc=rc)
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, "%s: output is not JSON: %s" % (" ".join(map(str, args)), p.stdout[:200]))
        return {}


def near(value, want, se, what, k=3.0):
    check(value is not None and abs(value - want) <= k * se,
          "%s: %s, want %.1f MiB/h within %g SE (%.2f MiB/h)" % (what, value if value is None else "%.2f MiB/h" % (value / MiB),
                                                                  want / MiB, k, se / MiB))


def bad(args, needle):
    p = run(*args, rc=2)
    lines = p.stderr.strip().splitlines()
    check(len(lines) == 1 and needle in p.stderr and p.stdout == "",
          "%s: want one line with %r and no output, got %r" % (" ".join(map(str, args)), needle, p.stderr))


LEAK = "/app/dr.py:123 DataReader.add [python]"

# ---- three pods interleaved in time: 18 + 18 + 54 = 90 MiB/h ----
d = os.path.join(tmp, "fleet")
os.makedirs(d)
procs = fs.fleet(d)
doc = js("trend", d)
rows = doc.get("rows", [])
top = rows[0] if rows else {}
check(top.get("label") == LEAK and top.get("class") == "steady",
      "the fleet's top site is the leak, steady: %s" % {k: top.get(k) for k in ("label", "class", "rate_bytes_per_h")})
near(top.get("rate_bytes_per_h"), 90 * MiB, top.get("rate_se_bytes_per_h", 0), "fleet rate of the leak")
check(top.get("processes") == 3, "the leak is in 3 processes: %s" % top.get("processes"))
check(0 < top.get("rate_se_bytes_per_h", 0) < 10 * MiB, "the fleet rate has a standard error: %s" % top.get("rate_se_bytes_per_h"))
ps = doc.get("processes", [])
check(len(ps) == 3 and all(p.get("left_out") is None for p in ps), "3 fitted processes: %s" % [p.get("host") for p in ps])
want = {"a" * 32: 18, "b" * 32: 18, "c" * 32: 54}
for p in ps:
    r = want.get(p.get("instance_id"))
    own = [x for x in p.get("rows", []) if x.get("label") == LEAK]
    check(r is not None and own, "process %s has its own rows with the leak" % p.get("instance_id"))
    if r is not None and own:
        near(own[0]["rate_bytes_per_h"], r * MiB, own[0]["rate_se_bytes_per_h"], "process %s's own rate" % p["instance_id"][:4])
        near(p.get("top_steady_rate_bytes_per_h"), r * MiB, p.get("top_steady_rate_se_bytes_per_h", 0),
             "process %s's top steady site" % p["instance_id"][:4])
    check(p.get("snapshots") == 6, "6 snapshots per process: %s" % p.get("snapshots"))
    # the census within the process: Broker starts at its own level and grows by 500
    ty = {t["type"]: t for t in p.get("python_types", [])}
    b0 = {"a" * 32: 1000, "b" * 32: 50, "c" * 32: 400}.get(p.get("instance_id"))
    check(ty.get("Broker", {}).get("first_count") == b0 and ty.get("Broker", {}).get("last_count") == b0 + 500,
          "census compared within process %s: %s" % (p.get("instance_id", "?")[:4], ty.get("Broker")))
far = {p["instance_id"][:1]: p.get("far") for p in ps if "instance_id" in p}
check(far == {"a": False, "b": False, "c": True}, "the 54 MiB/h process is marked far from the others: %s" % far)
# A and B share host, pid and start second: told apart by instance_id
check(sum(1 for p in ps if p.get("host") == "svc-a" and p.get("pid") == 1) == 2, "two containers of one pod kept apart")

txt = run("trend", d).stdout
check("trend over 3 processes" in txt and "fleet: /usr/bin/python3.11 app.py" in txt, "text: the fleet view:\n" + txt[:400])
check("+90" in txt or "+8" in txt or "+9" in txt, "text shows the fleet rate")
check(" 3! " in txt or "3!" in txt, "text marks the far process:\n" + txt)
check(txt.count("census: Broker +500") == 3, "text: each process's census change, within the process")
md = run("trend", d, "--format", "markdown").stdout
check("### Fleet: `/usr/bin/python3.11 app.py`" in md and "### Each process on its own" in md and "**far**" in md,
      "markdown: fleet table, each process's headline, the mark")
rep = run("report", d).stdout
check(rep.startswith("# ccxtrace memory report, several processes") and "### Processes" in rep and
      "### Each process on its own" in rep and "## Growing sites, whole stacks" in rep and "/app/dr.py:123 DataReader.add\n" in rep,
      "markdown report: fleet table, each process's headline, the stacks:\n" + rep[:500])
html = run("report", d, "--format", "html").stdout
check(html.startswith("<!doctype html>") and "<h2>Processes</h2>" in html and "<h2>Each process on its own</h2>" in html
      and "<b>far</b>" in html and "<h2>Fleet: <code>/usr/bin/python3.11 app.py</code></h2>" in html,
      "html report: fleet table and each process's headline")
one_proc = run("report", *procs["A"]).stdout
check("## Environment" in one_proc and "several processes" not in one_proc, "one process: the usual report")
run("trend", d, "--fail-above", "80MB/h", rc=1)  # the fleet's 90 MiB/h crosses it
run("trend", d, "--fail-above", "120MB/h", rc=0)

# ---- a restart on one host is one lineage, counted once ----
d2 = os.path.join(tmp, "restart")
os.makedirs(d2)
fs.fleet(d2, restart=True)
doc = js("trend", d2)
top = (doc.get("rows") or [{}])[0]
near(top.get("rate_bytes_per_h"), 90 * MiB, top.get("rate_se_bytes_per_h", 0), "fleet rate with C restarted (lineage once)")
g = (doc.get("groups") or [{}])[0]
check(g.get("fitted") == 4 and g.get("lineages") == 3, "4 processes, 3 lineages: %s" % g)
# exactly the weighted sum of the processes' own fits: weight = span / lineage's span
own = [(p["weight"], r) for p in doc.get("processes", []) for r in p.get("rows", []) if r["label"] == LEAK]
w = {p["instance_id"][:1]: p["weight"] for p in doc.get("processes", [])}
spans = {p["instance_id"][:1]: p["span_s"] for p in doc.get("processes", [])}
check(abs(w.get("c", 0) - spans["c"] / (spans["c"] + spans["d"])) < 1e-9 and w.get("a") == 1,
      "span weights of a restart lineage: %s" % w)
rate = sum(wt * r["rate_bytes_per_h"] for wt, r in own)
var = sum((wt * r["rate_se_bytes_per_h"]) ** 2 for wt, r in own)
check(len(own) == 4 and abs(top.get("rate_bytes_per_h", 0) - rate) < 1e-6 * rate
      and abs(top.get("rate_se_bytes_per_h", 0) ** 2 - var) < 1e-6 * var,
      "fleet rate and SE are the weighted sums of the processes' own: %s vs %.1f" % (top.get("rate_bytes_per_h"), rate))
lin = {p["instance_id"][:1]: p.get("lineage") for p in doc.get("processes", [])}
check(lin.get("c") == lin.get("d") and len(set(lin.values())) == 3, "C and its restart share a lineage: %s" % lin)

# ---- a one-snapshot process is left out with the reason; another script is its own group ----
fs.extras(d)
doc = js("trend", d)
ps = {p["instance_id"][:1]: p for p in doc.get("processes", [])}
x = ps.get("e", {})
check(x.get("left_out") == "too few snapshots to fit a rate" and x.get("snapshots") == 1 and "rows" not in x,
      "the one-snapshot process is left out with its reason: %s" % {k: x.get(k) for k in ("left_out", "snapshots")})
groups = {g["name"]: g for g in doc.get("groups", [])}
check(set(groups) == {"/usr/bin/python3.11 app.py", "/usr/bin/python3.11 worker.py", "/usr/bin/python3.11 -c"},
      "groups by command (executable and script): %s" % sorted(groups))
leak_rows = {r["group"]: r for r in doc.get("rows", []) if r["label"] == LEAK}
near(leak_rows.get("/usr/bin/python3.11 app.py", {}).get("rate_bytes_per_h"), 90 * MiB,
     leak_rows.get("/usr/bin/python3.11 app.py", {}).get("rate_se_bytes_per_h", 0), "the app's fleet rate without the worker")
near(leak_rows.get("/usr/bin/python3.11 worker.py", {}).get("rate_bytes_per_h"), 30 * MiB,
     leak_rows.get("/usr/bin/python3.11 worker.py", {}).get("rate_se_bytes_per_h", 0), "the worker on its own")
txt = run("trend", d).stdout
check("left out of the fleet figures" in txt and "svc-a pid 57" in txt and "1 snapshot: too few snapshots to fit a rate" in txt,
      "text lists the left-out process with the reason:\n" + txt)

# ---- --cmd and --group-by ----
doc = js("trend", d, "--cmd", "worker.py")
check([p.get("cmdline") for p in doc.get("processes", [])] == [] and doc.get("rows", [{}])[0].get("label") == LEAK,
      "--cmd worker.py: one process, the classic trend (no processes[])")
near(doc.get("rows", [{}])[0].get("rate_bytes_per_h"), 30 * MiB, doc.get("rows", [{}])[0].get("rate_se_bytes_per_h", 0),
     "--cmd worker.py: its rate")
doc = js("trend", d, "--cmd", "app.py")
check(len(doc.get("processes", [])) == 3, "--cmd app.py keeps the 3 app processes")
doc = js("trend", d, "--group-by", "host")
names = sorted(g["name"] for g in doc.get("groups", []))
check(names == ["svc-a", "svc-c", "svc-w"], "--group-by host: %s" % names)
hr = {r["group"]: r for r in doc.get("rows", []) if r["label"] == LEAK}
near(hr.get("svc-a", {}).get("rate_bytes_per_h"), 36 * MiB, hr.get("svc-a", {}).get("rate_se_bytes_per_h", 0),
     "--group-by host: svc-a's two containers summed")
doc = js("trend", d, "--group-by", "process")
check(len(doc.get("groups", [])) == 5, "--group-by process: one group per process: %d" % len(doc.get("groups", [])))

# ---- diff of two sets: per process, like with like ----
old, new = os.path.join(tmp, "old"), os.path.join(tmp, "new")
os.makedirs(old)
os.makedirs(new)
for name, paths in procs.items():  # seq 1-3 in OLD, 4-6 in NEW; A's NEW half only
    for p in paths:
        seq = json.load(open(p))["seq"]
        if name == "A" and seq <= 3:
            continue
        os.link(p, os.path.join(old if seq <= 3 else new, os.path.basename(p)))
doc = js("diff", old, new)
matched = {m["instance_id"][:1] for m in doc.get("matched", [])}
check(matched == {"b", "c"}, "diff of two sets: B and C are in both: %s" % matched)
check([p.get("instance_id", "")[:1] for p in doc.get("only_new", [])] == ["a"], "A is only in NEW: %s" % doc.get("only_new"))
truth = {}
for name in ("B", "C"):  # each process's true leak growth from its snapshot 3 to its snapshot 6
    a, b = (json.load(open(procs[name][i])) for i in (2, 5))
    truth[name] = (b["uptime_s"] - a["uptime_s"]) / 3600 * {"B": 18, "C": 54}[name] * MiB
lr = [r for r in doc.get("rows", []) if r["label"] == LEAK]
check(lr and lr[0].get("processes") == 2 and lr[0].get("significant"), "diff of two sets: the leak, in 2 processes, significant")
if lr:
    g, se = lr[0]["growth_bytes"], lr[0]["growth_se"]
    check(abs(g - sum(truth.values())) <= 3 * se,
          "diff of two sets: growth %.1f MiB, want %.1f MiB within 3 SE (%.1f MiB)" % (g / MiB, sum(truth.values()) / MiB, se / MiB))
txt = run("diff", old, "--", new).stdout
check("2 processes in both" in txt and "only in NEW, not compared: svc-a pid 1 #aaaaaa" in txt,
      "diff of two sets says what it did:\n" + txt[:600])
others = os.path.join(tmp, "others")
os.makedirs(others)
fs.extras(others)
bad(["diff", old, others], "no process is in both OLD and NEW")
bad(["diff", old, "--"], "both sides need")

# ---- snapshots of older tracers (no instance_id): one process per host, pid and start ----
od = os.path.join(tmp, "older")
os.makedirs(od)
rng = fs.random.Random(5)
for i, host in enumerate(("old-1", "old-2")):
    fs.process(od, rng, host, 1, fs.T0, None, 10 * (i + 1), [0, 1, 2, 3, 4], 30, 10)
doc = js("trend", od)
check(sorted((p["host"], p.get("instance_id")) for p in doc.get("processes", [])) == [("old-1", None), ("old-2", None)],
      "older snapshots grouped by host, pid and start: %s" % [(p.get("host"), p.get("snapshots")) for p in doc.get("processes", [])])
top = (doc.get("rows") or [{}])[0]
near(top.get("rate_bytes_per_h"), 30 * MiB, top.get("rate_se_bytes_per_h", 0), "fleet of older snapshots (10 + 20 MiB/h)")

# ---- a rollout: two pods replaced by two new pods under other names: 2 lineages, not 4 ----
rd = os.path.join(tmp, "rollout")
os.makedirs(rd)
for i, (host, t0) in enumerate((("web-x1", 0), ("web-x2", 0.1), ("web-y1", 2.5), ("web-y2", 2.6))):
    fs.process(rd, rng, host, 1, fs.T0 + int(t0 * 3600) - 60, "%032x" % (i + 9), 10, [t0 + 0.4 * k for k in range(6)], 30, 10)
doc = js("trend", rd)
g = (doc.get("groups") or [{}])[0]
top = (doc.get("rows") or [{}])[0]
check(g.get("fitted") == 4 and g.get("lineages") == 2, "rollout: 4 processes, 2 lineages: %s" % g)
near(top.get("rate_bytes_per_h"), 20 * MiB, top.get("rate_se_bytes_per_h", 0), "rollout: fleet rate of 2 pods at a time")

# ---- the same script under two executables: two groups, never summed ----
xd = os.path.join(tmp, "exes")
os.makedirs(xd)
fs.process(xd, rng, "svc-a", 1, fs.T0, "1" * 32, 10, [0, 1, 2, 3, 4], 30, 10, exe="/usr/bin/python3.11")
fs.process(xd, rng, "svc-b", 1, fs.T0, "2" * 32, 20, [0, 1, 2, 3, 4], 30, 10, exe="/opt/app/bin/python3.12")
doc = js("trend", xd)
xr = {r["group"]: r for r in doc.get("rows", []) if r["label"] == LEAK}
check(sorted(xr) == ["/opt/app/bin/python3.12 app.py", "/usr/bin/python3.11 app.py"], "two executables, two groups: %s" % sorted(xr))
for g, want in (("/usr/bin/python3.11 app.py", 10), ("/opt/app/bin/python3.12 app.py", 20)):
    near(xr.get(g, {}).get("rate_bytes_per_h"), want * MiB, xr.get(g, {}).get("rate_se_bytes_per_h", 0), "group %s alone" % g)

# ---- bad input: one line, exit 2 ----
bad(["trend", d, "--group-by", "pod"], '--group-by "pod": one of process, host, cmd')
bad(["trend", d, "--cmd", "no-such-service"], '--cmd "no-such-service": no process')
bad(["trend", d, "--cmd", ""], "--cmd")
bad(["top", d, "--group-by", "host"], "--group-by is for trend, diff and report")
bad(["trend", d, "--", d], '"--" separates BEFORE and AFTER')
broken = os.path.join(d, "ccxtrace.svc-z.9.1795740000.9.json")
with open(broken, "w") as fh:
    fh.write('{"format": "ccxtrace-snapshot", "version": 1, "host": "svc-z", "pid": 9, "sites": [')
bad(["trend", d], broken)
os.remove(broken)

finish()
