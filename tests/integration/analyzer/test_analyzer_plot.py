#!/usr/bin/env python3
"""test_analyzer_plot.py - `ccx-analyze plot` on the seed's real monitoring
CSVs (fitted MiB/h checked against a least-squares fit computed here from
the raw rows), on a tracer stats CSV (CCX_STATS_HEADER) with a known slope,
and on a series of snapshots; the SVG is well-formed with axes, units and
a legend with the fitted rate.  Then every CSV layout real monitoring
leaves behind (issue 19), from the small runs committed in monitoring/:
malformed rows skipped and counted with one warning per file, a combined
docker_stats.csv split per container, a header-less one in docker stats
units, counts over time on their own axis, a file of no known layout named
and skipped, run names on the series, --align start; each checked against
this file's own reading of the rows.  Last, when ../shared/data/seed-runs
exists beside the checkout, every run of the investigation is plotted and
its points and skipped rows checked the same way (skipped, saying so,
where it does not: a user's clone has no shared/)."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import calendar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenario  # noqa: E402

root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(HERE, "../../..")))
tool = os.path.join(os.environ.get("CCX_BUILD", os.path.join(root, "build")), "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
shared = os.path.join(os.path.dirname(os.path.abspath(root)), "shared", "data")
seed = os.path.join(shared, "seed-monitoring")
fixtures = os.path.join(HERE, "monitoring")
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def run(*args, rc=0):
    p = subprocess.run([tool, "plot"] + list(args), capture_output=True, text=True)
    check(p.returncode == rc, "%s: exit %d: %s" % (args, p.returncode, p.stderr.strip()))
    return p


def ols(xs, ys):
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx


# header of the tracer's stats CSV, read from the shared format header
hdr = re.search(r'#define CCX_STATS_HEADER \\\s*"([^"]*)"\s*\\\s*"([^"]*)"',
                open(os.path.join(root, "common", "ccx_format.h")).read())
stats_header = hdr.group(1) + hdr.group(2)

# 1. the seed CSVs
if os.path.isdir(seed):
    files = sorted(f for f in os.listdir(seed) if f.endswith("_docker_stats.csv"))
    check(len(files) == 5, "five seed docker stats CSVs")
    j = json.loads(run(seed, "--format", "json").stdout)
    got = {s["name"]: s for s in j.get("series", [])}
    for f in files:
        xs, ys = [], []
        with open(os.path.join(seed, f)) as fh:
            next(fh)
            for line in fh:
                cols = line.rstrip("\n").split(",")
                t = calendar.timegm(time.strptime(cols[0], "%Y-%m-%d %H:%M:%S"))
                xs.append(t / 3600.0)
                ys.append(float(cols[3]))  # MiB
        want = ols(xs, ys)  # MiB per hour
        name = f[: -len("_docker_stats.csv")]
        s = got.get(name)
        check(s is not None, "series %s present" % name)
        if s:
            rate = s["rate_bytes_per_h"] / 2 ** 20
            check(abs(rate - want) <= 1e-6 * max(1, abs(want)), "%s: fitted %.6f MiB/h, want %.6f" % (name, rate, want))
            check(s["points"] == len(xs), "%s: %d points" % (name, s["points"]))
    rp = got.get("rules-processing")
    check(rp and rp["rate_bytes_per_h"] / 2 ** 20 > 5, "rules-processing climbs (seed: MiB/h growth)")
    svg = os.path.join(tmp, "seed.svg")
    run(seed, "-o", svg)
    tree = ET.parse(svg).getroot()
    texts = " ".join(t.text or "" for t in tree.iter("{http://www.w3.org/2000/svg}text"))
    check("memory (MiB)" in texts and "time since start" in texts, "axis labels with units")
    check("rules-processing" in texts and "MiB/h" in texts, "legend with the fitted rate")
    check(len(list(tree.iter("{http://www.w3.org/2000/svg}polyline"))) == 5, "one line per series")
else:
    print("seed data not found at %s: seed part skipped" % seed)

# 2. a tracer stats CSV with known slopes (RSS +6 MiB/h, live +2 MiB/h)
sp = os.path.join(tmp, "ccxtrace.h.1.1795700000.stats.csv")
with open(sp, "w") as f:
    f.write(stats_header + "\n")
    for i in range(30):
        t = 1795700000 + 120 * i
        f.write("%s,%d,%d,%d,%d,1,2,3,%d,%d,0\n" % (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t)), 120 * i,
                                                   100 * 2 ** 20 + i * 6 * 2 ** 20 // 30, 40 * 2 ** 20 + i * 2 * 2 ** 20 // 30,
                                                   2 ** 20, 10 * i, i))
j = json.loads(run(sp, "--format", "json").stdout)
ser = {s["name"]: s for s in j.get("series", [])}
rss = ser.get("ccxtrace.h.1.1795700000 RSS", {}).get("rate_bytes_per_h", 0)
live = ser.get("ccxtrace.h.1.1795700000 traced live", {}).get("rate_bytes_per_h", 0)
check(abs(rss - 6 * 2 ** 20) < 2 ** 20 * 0.01, "stats CSV RSS rate %s" % rss)
check(abs(live - 2 * 2 ** 20) < 2 ** 20 * 0.01, "stats CSV live rate %s" % live)

# 2b. a series named after a file whose name holds an escape sequence and
# invalid UTF-8: shown escaped (\x1b, \xff) in text and JSON (issue 12)
hp = os.path.join(tmp.encode(), b"ccxtrace.h\x1b[2J\xff.1.1795700000.stats.csv")
with open(sp, "rb") as src, open(hp, "wb") as dst:
    dst.write(src.read())
for fmt in ("text", "json"):
    p = subprocess.run([tool, "plot", hp, "--format", fmt], capture_output=True)
    check(p.returncode == 0, "escaped name (%s): exit %d %r" % (fmt, p.returncode, p.stderr))
    check(b"\x1b" not in p.stdout and b"\xff" not in p.stdout, "escaped name (%s): raw bytes in %r" % (fmt, p.stdout[:300]))
    if fmt == "text":
        check(b"h\\x1b[2J\\xff.1." in p.stdout, "escaped name (text): not shown escaped: %r" % p.stdout[:300])
    else:
        try:
            names = [x["name"] for x in json.loads(p.stdout.decode("utf-8"))["series"]]
            check(any("h\\x1b[2J\\xff.1." in n for n in names), "escaped name (json): not shown escaped: %r" % names)
        except (ValueError, KeyError) as e:
            check(False, "escaped name: JSON output does not parse: %s" % e)
os.unlink(hp)

# 3. a series of snapshots (scenario: RSS +4.5 MiB/h)
sd = os.path.join(tmp, "snaps")
os.makedirs(sd)
scenario.series(sd)
j = json.loads(run(sd, "--format", "json").stdout)
ser = {s["name"]: s for s in j.get("series", [])}
r = ser.get("3f2a9c1d7e10 pid 4242 RSS", {})
check(r.get("points") == scenario.COUNT and abs(r.get("rate_bytes_per_h", 0) - 4.5 * 2 ** 20) < 1, "snapshot RSS series: %s" % r)
out = run(sd, sp, "--format", "text").stdout
check("pid 4242 traced live" in out and "MiB/h" in out, "text table of mixed sources")
ET.fromstring(run(sd, sp).stdout)  # svg to stdout, well-formed
# 4. the layouts of real monitoring, from the committed runs in monitoring/:
# each file read here by its own rules, independently of the C reader
def stamp(text):
    return calendar.timegm(time.strptime(text.replace("_", " "), "%Y-%m-%d %H:%M:%S"))


def docker_size(text):
    """'242.8MiB / 7.654GiB' -> bytes of the first figure; None when not one."""
    m = re.fullmatch(r"([0-9.]+)(B|kB|KiB|MB|MiB|GB|GiB)( / .*)?", text)
    if not m:
        return None
    return float(m.group(1)) * {"B": 1, "kB": 1e3, "KiB": 1024, "MB": 1e6, "MiB": 2 ** 20, "GB": 1e9,
                                "GiB": 2 ** 30}[m.group(2)]


def mib(text):
    try:
        return float(text) * 2 ** 20
    except ValueError:
        return None


def expect(path):
    """{label: [(t, value)]}, rows, bad rows (first bad line) of one CSV as
    this test reads it; None when it is not a layout plot reads."""
    lines = open(path).read().splitlines()
    if not lines:
        return None
    first, name = lines[0], os.path.basename(path)
    stem = name[: -len(".csv")]
    for suffix in ("_docker_stats.csv", "_cgroup_memory.csv"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
    out, bad, rows, tcol = {}, [], 0, 0
    if first.startswith("timestamp,elapsed_min,gen"):
        return None
    if first.startswith("timestamp,elapsed_min,cpu_perc,mem_usage_mb") or first.startswith("timestamp,minutes_elapsed,cpu_percent,memory_mb"):
        body, get = lines[1:], lambda c: [(stem, mib(c[3]))] if len(c) >= 4 else None
    elif first.startswith("timestamp,elapsed_min,memory_current_bytes"):
        body, get = lines[1:], lambda c: [(stem + " cgroup memory.current", float(c[2]))] if len(c) >= 3 and c[2].isdigit() else None
    elif first.startswith("timestamp,minutes_elapsed,archives_processed"):
        body, get = lines[1:], lambda c: [("archives processed", float(c[2]))] if len(c) == 3 and c[2].isdigit() else None
    else:
        c0 = first.split(",")
        body = lines
        if len(c0) >= 4 and docker_size(c0[3]) is not None:
            tcol = 1
            get = lambda c: [(c[0], docker_size(c[3]))] if len(c) >= 4 and c[0] else None
        elif len(c0) >= 2 and docker_size(c0[1]) is not None:
            get = lambda c: [(stem, docker_size(c[1]))]
        elif all(x.isdigit() for x in c0[1:]) and 2 <= len(c0) <= 4:
            labels = {"archive_count": ["archives processed"],
                      "broker_stats": ["brokers created", "brokers collected", "brokers live"]}.get(stem)
            labels = labels if labels and len(labels) == len(c0) - 1 else ["column %d" % (k + 2) for k in range(len(c0) - 1)]
            get = lambda c: list(zip(labels, map(float, c[1:]))) if len(c) == len(c0) and all(x.isdigit() for x in c[1:]) else None
        else:
            return None
    for k, line in enumerate(body):
        if not line.strip():
            continue
        rows += 1
        c = line.split(",")
        try:
            t = stamp(c[tcol])
        except (ValueError, IndexError):
            t = None
        vals = get(c) if t is not None else None
        if not vals or any(v is None for _, v in vals):
            bad.append(k + 1 + (len(lines) - len(body)))
            continue
        for label, v in vals:
            out.setdefault(label, []).append((t, v))
    return out, rows, bad


def check_run(d, j, what):
    """The series and file notes of plot's JSON J for the run in directory
    D against this test's own reading; the (series, skipped) counts."""
    series = [x for x in j["series"] if x["run"] == os.path.basename(os.path.realpath(d))]
    files = {os.path.basename(f["path"]): f for f in j["files"]}
    nskipped = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".csv"):
            continue
        e = expect(os.path.join(d, name))
        f = files.get(name)
        check(f is not None, "%s: %s missing from the files plot read" % (what, name))
        if f is None:
            continue
        if e is None:
            check("skipped" in f, "%s: %s is not a layout plot reads, yet not skipped: %s" % (what, name, f))
            continue
        got, rows, bad = e
        nskipped += len(bad)
        check(f["rows"] == rows and f["rows_skipped"] == len(bad), "%s: %s: rows %s/%s skipped, want %d/%d" %
              (what, name, f["rows"], f["rows_skipped"], rows, len(bad)))
        if bad:
            check(f.get("first_bad_line") == bad[0], "%s: %s: first bad line %s, want %d" % (what, name, f.get("first_bad_line"), bad[0]))
        for label, pts in got.items():
            mine = [x for x in series if x["file"] == name and (x["name"] == label or x["name"].endswith("/" + label)
                                                                 or x["name"].startswith(label + " (") or "/" + label + " (" in x["name"])]
            check(len(mine) == 1, "%s: %s: want one series %r, got %s" % (what, name, label, [x["name"] for x in mine]))
            if len(mine) != 1 or len(pts) < 2:
                continue
            x = mine[0]
            pts.sort()
            want = ols([p[0] for p in pts], [p[1] for p in pts]) * 3600
            check(x["points"] == len(pts), "%s: %s %s: %d points, want %d" % (what, name, label, x["points"], len(pts)))
            check(abs(x["rate_per_h"] - want) <= 1e-6 * max(1, abs(want)), "%s: %s %s: rate %s/h, want %s" % (what, name, label, x["rate_per_h"], want))
            check(x["unit"] == ("count" if label.startswith(("archives", "brokers", "column")) else "bytes"),
                  "%s: %s %s: unit %s" % (what, name, label, x["unit"]))
    return len(series), nskipped


runs = [os.path.join(fixtures, r) for r in ("run_a", "run_b", "run_c", "run_d")]
for d in runs:
    p = run(d, "--format", "json")
    warn = [w for w in p.stderr.splitlines() if w]
    j = json.loads(p.stdout or "{}")
    if not j:
        continue
    check_run(d, j, os.path.basename(d))
    # one warning per file with bad rows, naming its first bad line
    for f in j["files"]:
        mentions = [w for w in warn if f["path"] in w]
        if f["rows_skipped"] and "skipped" not in f:
            check(len(mentions) == 1 and ":%d: bad row" % f["first_bad_line"] in mentions[0] and
                  "%d of %d rows skipped" % (f["rows_skipped"], f["rows"]) in mentions[0],
                  "%s: want one warning naming line %d, got %r" % (f["path"], f["first_bad_line"], mentions))
        elif "skipped" not in f:
            check(not mentions, "%s: warned about a clean file: %r" % (f["path"], mentions))
j = json.loads(run(runs[0], "--format", "json").stdout)
rp = [x for x in j["series"] if x["name"] == "rules-processing"]
check(rp and rp[0]["points"] == 21, "the 0B rows of run_a are skipped, not the end of it: %s" % rp)
cg = [x for x in j["series"] if x["name"] == "rules-processing cgroup memory.current"]
check(cg and cg[0]["points"] == 11 and cg[0]["unit"] == "bytes", "monitor_local.sh's cgroup CSV read: %s" % cg)
check(not any(f["path"].endswith("_gc_stats.csv") and "skipped" not in f for f in j["files"]), "gc stats are not plotted")
j = json.loads(run(runs[1], "--format", "json").stdout)
check(sorted(x["name"] for x in j["series"]) == ["archive-sync", "rules-processing"], "combined file: one series per container")
p = run(runs[1], "--format", "text")
check(any("notes.csv: layout not supported" in w for w in p.stderr.splitlines()), "the unsupported file is named: %r" % p.stderr)
svg = run(runs[2]).stdout
tree = ET.fromstring(svg)
texts = " ".join(t.text or "" for t in tree.iter("{http://www.w3.org/2000/svg}text"))
dashed = [e for e in tree.iter("{http://www.w3.org/2000/svg}polyline") if e.get("stroke-dasharray")]
check("count (dashed)" in texts and "memory (MiB)" in texts, "counts on their own axis: %s" % texts[:300])
check(len(dashed) == 4, "four count series drawn dashed, got %d" % len(dashed))
# a file of no known layout, alone: nothing to plot, exit 2
p = run(os.path.join(runs[1], "notes.csv"), rc=2)
check("layout not supported" in p.stderr and "nothing to plot" in p.stderr.strip().splitlines()[-1], "unsupported alone: %r" % p.stderr)

# a file whose every row is bad, alone: its warning names line 2, exit 2
bp = os.path.join(tmp, "bad_docker_stats.csv")
with open(bp, "w") as f:
    f.write("timestamp,elapsed_min,cpu_perc,mem_usage_mb\n2025-12-11 09:10:22,0,0.1,0B\n")
p = run(bp, rc=2)
err = p.stderr.strip().splitlines()
check(len(err) == 3 and ":2: bad row" in err[0] and "1 of 1 rows skipped" in err[0] and "no readable rows" in err[1]
      and "nothing to plot" in err[2], "all rows bad: %r" % err)

# several runs: names carry the run; --align start overlays them
for align in ("wall", "start"):
    j = json.loads(run(*runs, "--format", "json", "--align", align).stdout)
    check(j.get("align") == align, "align %s reported" % align)
    by_run = {}
    for x in j["series"]:
        check(x["name"].startswith(x["run"] + "/"), "series %r does not carry its run %r" % (x["name"], x["run"]))
        by_run.setdefault(x["run"], []).append(x["first_s"])
    starts = {r: min(v) for r, v in by_run.items()}
    if align == "start":
        check(all(v == 0 for v in starts.values()), "--align start: every run starts at 0: %s" % starts)
    else:
        check(starts["run_a"] == 0 and all(v > 86400 for r, v in starts.items() if r != "run_a"),
              "wall time: later runs start later: %s" % starts)
p = subprocess.run([tool, "plot", runs[0], "--align", "middle"], capture_output=True, text=True)
check(p.returncode == 2 and "--align" in p.stderr, "--align middle refused: %s" % p.stderr)
p = subprocess.run([tool, "trend", runs[0], "--align", "start"], capture_output=True, text=True)
check(p.returncode == 2 and "--align is for plot" in p.stderr, "--align refused outside plot: %s" % p.stderr)

# 5. every run of the investigation, when ../shared/data/seed-runs is there
seed_runs = os.path.join(shared, "seed-runs")
if os.path.isdir(seed_runs):
    for group in sorted(os.listdir(seed_runs)):
        for r in sorted(os.listdir(os.path.join(seed_runs, group))):
            d = os.path.join(seed_runs, group, r)
            p = run(d, "--format", "json")
            try:
                j = json.loads(p.stdout)
            except ValueError:
                check(False, "%s: no JSON" % d)
                continue
            ns, nskip = check_run(d, j, "%s/%s" % (group, r))
            check(ns > 0, "%s: no series" % d)
            print("seed run %s/%s: %d series, %d rows skipped" % (group, r, ns, nskip))
else:
    print("%s not found (a clone without ../shared): the seed runs part skipped" % seed_runs)
print("%d failures" % failures)
sys.exit(1 if failures else 0)
