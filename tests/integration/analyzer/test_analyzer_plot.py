#!/usr/bin/env python3
"""test_analyzer_plot.py - `ccx-analyze plot` on the seed's real monitoring
CSVs (fitted MiB/h checked against a least-squares fit computed here from
the raw rows), on a tracer stats CSV (CCX_STATS_HEADER) with a known slope,
and on a series of snapshots; the SVG is well-formed with axes, units and
a legend with the fitted rate."""
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
seed = os.path.join(os.path.dirname(root), "shared", "data", "seed-monitoring")
if not os.path.isdir(seed):
    seed = "/work/shared/data/seed-monitoring"
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
print("%d failures" % failures)
sys.exit(1 if failures else 0)
