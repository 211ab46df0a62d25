#!/usr/bin/env python3
"""test_analyzer_real.py - ccx-analyze on real snapshots from libccxtrace.so.

A Python program keeps a growing list of ~250-byte strings at a known line,
in four equal rounds, and asks for a snapshot after each (ccxtrace_snapshot
through ctypes); the test knows the true bytes (sys.getsizeof sums).  Checks:
top and diff rank that line first with the Python frames in its stack, the
diff's estimate is within 4 standard errors and 10% of the truth (at a
4 KiB interval 10% is about six standard errors), and trend
calls it steady growth.  Skipped (exit 77) when the library is not built."""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(HERE, "../../..")))
build = os.environ.get("CCX_BUILD", os.path.join(root, "build"))
tool = os.path.join(build, "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
lib = next((p for p in (os.path.join(build, "lib", "libccxtrace.so"), os.path.join(root, "build", "lib", "libccxtrace.so"),
                        os.path.join(root, "build", "core", "lib", "libccxtrace.so")) if os.path.exists(p)), None)
if lib is None:
    print("libccxtrace.so is not built (make libs): no real snapshots to read")
    sys.exit(77)
python = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


prog = os.path.join(tmp, "leaky.py")
with open(prog, "w") as f:
    f.write('''import ctypes, os, sys, time
lib = ctypes.CDLL(None)
snap = lib.ccxtrace_snapshot
snap.restype = ctypes.c_int
snap.argtypes = [ctypes.c_char_p]
keep = []
true = [0]
def grow(n, r):
    for i in range(n):
        s = ("%06d" % i) * 40 + str(r)  # LEAK_LINE: the line that allocates
        keep.append(s)
        true[0] += sys.getsizeof(s)
print(os.getpid(), flush=True)
for r in range(4):
    grow(15000, r)
    print(true[0], snap(b"round"), flush=True)
    time.sleep(0.6)
''')
leak_line = [i + 1 for i, l in enumerate(open(prog)) if "LEAK_LINE" in l][0]
out = os.path.join(tmp, "snaps")
os.makedirs(out)
env = dict(os.environ, LD_PRELOAD=lib, CCXTRACE_DIR=out, CCXTRACE_SAMPLE="4k", CCXTRACE_ONLY="python")
p = subprocess.run([python, prog], capture_output=True, text=True, env=env, timeout=120)
check(p.returncode == 0, "traced program exit %d: %s" % (p.returncode, p.stderr[-500:]))
lines = p.stdout.split()
pid = int(lines[0])
truth = [int(lines[1 + 2 * i]) for i in range(4)]
seqs = [int(lines[2 + 2 * i]) for i in range(4)]
check(all(s >= 0 for s in seqs), "tracing on (sequence numbers %s)" % seqs)
paths = []
deadline = time.time() + 20
for s in seqs:
    pat = os.path.join(out, "ccxtrace.*.%d.*.%d.json" % (pid, s))
    while not glob.glob(pat) and time.time() < deadline:
        time.sleep(0.1)
    g = glob.glob(pat)
    check(len(g) == 1, "snapshot %d written" % s)
    paths += g
if failures:
    print("%d failures" % failures)
    sys.exit(1)


def js(*args):
    r = subprocess.run([tool] + list(args) + ["--format", "json"], capture_output=True, text=True)
    check(r.returncode == 0, "%s: exit %d: %s" % (args[0], r.returncode, r.stderr.strip()))
    return json.loads(r.stdout or "{}")


want_label = "%s:%d grow" % (prog, leak_line)
t = js("top", paths[-1])
check(t["rows"] and t["rows"][0]["label"].startswith(want_label), "top 1 is the leak line: %s" % t["rows"][0]["label"])
check(any(f.startswith("%s:" % prog) and "<module>" in f for f in t["rows"][0]["stack"]), "caller frame in the stack")
d = js("diff", paths[0], paths[-1])
r0 = d["rows"][0]
check(r0["label"].startswith(want_label), "diff top is the leak line: %s" % r0["label"])
grown = truth[-1] - truth[0]
err = abs(r0["growth_bytes"] - grown)
check(err <= 4 * r0["growth_se"] and err <= 0.10 * grown,
      "diff estimate %d vs true %d (se %d)" % (r0["growth_bytes"], grown, r0["growth_se"]))
check(r0["significant"], "significant growth")
tr = js("trend", *paths)
row = [r for r in tr["rows"] if r["label"].startswith(want_label)]
check(row and row[0]["class"] in ("steady",), "trend class %s" % (row[0]["class"] if row else None))
print("real snapshots: true growth %d B, estimated %d B (se %d)" % (grown, r0["growth_bytes"], r0["growth_se"]))
print("%d failures" % failures)
sys.exit(1 if failures else 0)
