#!/usr/bin/env python3
"""bench_fleet.py - `ccx-analyze trend` on a fleet (issue 18): 100
processes x 20 snapshots x 2,000 sites (4 million site rows), analyzed
process by process.  Targets on this machine: < 60 s, < 1 GiB peak RSS;
printed as ratios against the targets (no pass/fail timing), with Python's
json.load of the same files as a scale baseline (measured on 5% of them).
The generated fleet has a known answer: one line leaks 1 MiB/h in every
process, so the fleet rate (100 concurrent lineages) is 100 MiB/h.
Environment: CCX_FLEET_PROCS, CCX_FLEET_SNAPS, CCX_FLEET_SITES override the
sizes (for a quick look)."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import random
import subprocess
import tempfile
import time

root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
tool = os.path.join(os.environ.get("CCX_BUILD", os.path.join(root, "build")), "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
NPROC = int(os.environ.get("CCX_FLEET_PROCS", 100))
NSNAP = int(os.environ.get("CCX_FLEET_SNAPS", 20))
NSITES = int(os.environ.get("CCX_FLEET_SITES", 2000))
DEPTH = 10
MiB = 1 << 20
T0 = 1795740000
INTERVAL = 524288


def tables(rng):
    """modules, frames, stacks as one JSON fragment, shared by every snapshot."""
    mods = [{"id": 0, "path": "/usr/lib/libpython3.11.so.1.0", "build_id": None, "base": "0x7f0000000000"},
            {"id": 1, "path": "/usr/lib/x86_64-linux-gnu/libc.so.6", "build_id": None, "base": "0x7f1000000000"}]
    frames = [{"id": 0, "kind": "native", "module": 1, "offset": "0x1000", "symbol": "malloc", "symbol_offset": 16},
              {"id": 1, "kind": "native", "module": 0, "offset": "0x2000", "symbol": "_PyObject_Malloc",
               "symbol_offset": 5}]
    nfunc = 800
    for f in range(nfunc):
        frames.append({"id": len(frames), "kind": "python", "file": "/app/mod%d.py" % (f % 60),
                       "function": "func%d" % f, "line": 10 + f})
    stacks = []
    for i in range(NSITES):
        ids = [0, 1] + [2 + (i if j == 0 else rng.randrange(nfunc)) % nfunc for j in range(DEPTH - 2)]
        if i >= nfunc:  # leaf frames beyond the functions: distinct by line via more frames
            frames.append({"id": len(frames), "kind": "python", "file": "/app/extra.py", "function": "f%d" % i,
                           "line": i})
            ids[2] = len(frames) - 1
        stacks.append({"id": i, "frames": ids})
    return json.dumps(mods), json.dumps(frames), json.dumps(stacks)


def write_fleet(directory):
    rng = random.Random(3)
    mods, frames, stacks = tables(rng)
    tail = ',"modules":%s,"frames":%s,"stacks":%s,"sites":[' % (mods, frames, stacks)
    base = [rng.randrange(1, 40) * INTERVAL for _ in range(NSITES)]
    paths = []
    for p in range(NPROC):
        host, start = "pod-%03d" % p, T0 + p * 7
        for s in range(NSNAP):
            up = 60 + s * 900 + p * 3  # 15 minutes apart, interleaved across processes
            leak = 10 * MiB + up / 3600 * MiB  # site 0: 1 MiB/h in every process
            sites = ['{"stack":0,"layer":"python","live_bytes":%d,"live_blocks":%d,"live_samples":%d}'
                     % (leak, leak // 1024, leak // INTERVAL)]
            for i in range(1, NSITES):
                b = base[i] + INTERVAL * ((i * 7 + s * 3 + p) % 5)
                sites.append('{"stack":%d,"layer":"python","live_bytes":%d,"live_blocks":%d,"live_samples":%d}'
                             % (i, b, b // 512, b // INTERVAL))
            t = T0 + p * 7 + up
            head = ('{"format":"ccxtrace-snapshot","version":1,"host":"%s","pid":1,"start_time":%d,'
                    '"instance_id":"%032x","exe":"/usr/bin/python3.11","cmdline":"python3 app.py","seq":%d,'
                    '"reason":"trigger","label":null,"time":"%s","uptime_s":%.1f,'
                    '"sampling":{"mode":"sample","interval_bytes":%d},'
                    '"process":{"rss_bytes":%d}'
                    % (host, start, p + 1, s + 1, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(t))), up,
                       INTERVAL, 200 * MiB + int(leak)))
            path = os.path.join(directory, "ccxtrace.%s.1.%d.%d.json" % (host, start, s + 1))
            with open(path, "w") as f:
                f.write(head + tail + ",".join(sites) + "]}")
            paths.append(path)
    return paths


def run_measured(args):
    """Wall time and stderr of one run."""
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate()
    dt = time.monotonic() - t0
    if p.returncode != 0:
        print("failed: %s: %s" % (" ".join(args[:3]), err.decode()[-300:]))
        sys.exit(1)
    return dt, err


d = os.path.join(tmp, "fleet")
os.makedirs(d, exist_ok=True)
t0 = time.monotonic()
paths = write_fleet(d)
gen = time.monotonic() - t0
size = sum(os.path.getsize(p) for p in paths) / MiB
# CPU time and peak RSS of the tool itself: GNU time when installed (a Python
# wrapper's RUSAGE_CHILDREN would count the forked interpreter's memory)
out_json = os.path.join(tmp, "fleet.json")
args = [tool, "trend", d, "--format", "json", "-n", "5", "-o", out_json]
cpu = rss = None
if os.access("/usr/bin/time", os.X_OK):
    dt, err = run_measured(["/usr/bin/time", "-f", "CCXTIME %U %S %M"] + args)
    fields = [ln.split() for ln in err.decode().splitlines() if ln.startswith("CCXTIME")][-1]
    cpu, rss = float(fields[1]) + float(fields[2]), int(fields[3]) / 1024.0
else:
    dt, _ = run_measured(args)
doc = json.load(open(out_json))
top = doc["rows"][0]
sample = paths[:: 20]
t0 = time.monotonic()
for p in sample:
    with open(p) as f:
        json.load(f)
jl = (time.monotonic() - t0) * len(paths) / len(sample)
print("fleet: %d processes x %d snapshots x %d sites = %.1f million site rows, %.0f MiB of JSON (generated in %.0f s)"
      % (NPROC, NSNAP, NSITES, NPROC * NSNAP * NSITES / 1e6, size, gen))
print("%-34s %9s %9s %14s %18s" % ("case", "measured", "target", "ratio/target", "json.load s (x)"))
print("%-34s %8.1fs %8.0fs %14.2f %11.1f (%.2fx)" % ("trend, wall time", dt, 60, dt / 60, jl, dt / jl))
if cpu is None:
    print("CPU time and peak RSS: not measured (no /usr/bin/time; apt-get install time)")
else:
    print("%-34s %8.1fs %8.0fs %14.2f   (wall time includes waiting for a shared CPU; load %.1f)"
          % ("trend, CPU time (user + sys)", cpu, 60, cpu / 60, os.getloadavg()[0]))
    print("%-34s %6.0fMiB %6.0fMiB %14.2f" % ("trend, peak RSS", rss, 1024, rss / 1024))
print("answer: top site %s at %.1f MiB/h (truth %d MiB/h, %d processes), class %s"
      % (top["label"], top["rate_bytes_per_h"] / MiB, NPROC, len(doc["processes"]), top["class"]))
