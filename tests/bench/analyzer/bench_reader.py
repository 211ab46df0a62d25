#!/usr/bin/env python3
"""bench_reader.py - what reading a big snapshot costs (issue 19): peak
memory (max RSS, by /usr/bin/time) and time of top, diff and trend on
snapshots of a million stacks, and of top on a snapshot with a 50 MiB
member the reader does not know, for this build and for the reader before
the streaming one (built from git; CCX_BENCH_BASE=<git ref> picks another
commit, CCX_BENCH_BASE=none skips it).  Target: peak RSS at most 4x the
size of one snapshot.  One run each (minutes of input; timings are noisy,
nothing here is pass/fail).
  CCX_BENCH_STACKS (default 1000000), CCX_BENCH_DEPTH (default 8)."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import os
import shutil
import subprocess
import tempfile
import time

root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(os.path.dirname(__file__), "../../..")))
tool = os.path.join(os.environ.get("CCX_BUILD", os.path.join(root, "build")), "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
nstacks = int(os.environ.get("CCX_BENCH_STACKS", "1000000"))
depth = int(os.environ.get("CCX_BENCH_DEPTH", "8"))


def snapshot(path, seq, nstacks, depth, extra=""):
    """A snapshot in the tracer's layout, written as it goes: nstacks
    stacks of depth frames (native and Python alternating, drawn from
    nstacks / 4 functions), one site each; extra: more top-level JSON."""
    nfuncs = max(depth * 4, nstacks // 4)
    with open(path, "w") as f:
        f.write('{"format":"ccxtrace-snapshot","version":1,"host":"bench","pid":4242,'
                '"start_time":1795739900,"seq":%d,"reason":"signal","time":"2026-11-26T22:%02d:00Z",'
                '"uptime_s":%d,"sampling":{"mode":"sample","interval_bytes":524288},%s'
                '"modules":[{"id":0,"path":"/lib/libc.so.6"},{"id":1,"path":"/usr/lib/libpython3.11.so.1.0"}],'
                '"frames":[' % (seq, seq, 600 * seq, extra))
        f.write('{"id":0,"kind":"native","module":0,"offset":"0x10","symbol":"malloc","symbol_offset":16}')
        for i in range(nfuncs):
            if i % 2:
                f.write(',{"id":%d,"kind":"python","file":"/app/mod%d.py","function":"func%d","line":%d}'
                        % (i + 1, i % 97, i, 10 + i % 500))
            else:
                f.write(',{"id":%d,"kind":"native","module":1,"offset":"0x%x","symbol":"_PyEval_Frame%d",'
                        '"symbol_offset":%d}' % (i + 1, 0x1000 + i, i, i % 300))
        f.write('],"stacks":[')
        x = 1
        for s in range(nstacks):
            ids = [0]
            for _ in range(depth - 1):
                x = (x * 1103515245 + 12345) & 0x7fffffff
                ids.append(1 + x % nfuncs)
            f.write('%s{"id":%d,"frames":[%s]}' % ("," if s else "", s, ",".join(map(str, ids))))
        f.write('],"sites":[')
        for s in range(nstacks):
            b = 524288 * (1 + (s * 7 + seq * (s % 3)) % 50)
            f.write('%s{"stack":%d,"layer":"python","live_bytes":%d,"live_blocks":%d,"live_samples":%d,'
                    '"alloc_bytes":%d,"alloc_calls":%d}'
                    % ("," if s else "", s, b, b // 100, b // 524288, 2 * b, b // 50))
        f.write("]}\n")
    return path


def measure(args):
    """(peak RSS in bytes, seconds) of one run, by /usr/bin/time: the
    child of a small process (a child of this one would inherit this
    process's own peak: Linux keeps the peak RSS across fork and exec)."""
    fd, out = tempfile.mkstemp(dir=tmp)
    os.close(fd)
    p = subprocess.run(["/usr/bin/time", "-o", out, "-f", "%M %e"] + args,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode != 0:
        print("failed: %s: %s" % (" ".join(args), p.stderr.decode()[-300:]))
        sys.exit(1)
    with open(out) as f:
        kb, secs = f.read().split()[-2:]
    os.unlink(out)
    return int(kb) * 1024, float(secs)


def baseline():
    """ccx-analyze of the commit before the streaming reader (or of
    CCX_BENCH_BASE), built from git archive into tmp; None when it cannot."""
    ref = os.environ.get("CCX_BENCH_BASE", "")
    if ref == "none":
        return None
    try:
        if not ref:  # the parent of the commit that removed the whole-tree parse
            ref = subprocess.check_output(
                ["git", "-C", root, "log", "-n1", "--format=%H", "-Sccx_json_parse_strict(const char",
                 "--", "analyzer/jsonread.h"], text=True).strip() + "^"
        ref = subprocess.check_output(["git", "-C", root, "rev-parse", "--short=12", ref], text=True).strip()
        d = os.path.join(tmp, "base")
        os.makedirs(d)
        subprocess.check_call("git -C %s archive %s | tar -x -C %s" % (root, ref, d), shell=True)
        subprocess.check_call(["make", "-C", d, "-j2", "build/bin/ccx-analyze"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return ref, os.path.join(d, "build", "bin", "ccx-analyze")
    except (subprocess.CalledProcessError, OSError) as e:
        print("no baseline (%s): only this build is measured" % e)
        return None


if not shutil.which("time", path="/usr/bin"):
    print("skip: /usr/bin/time is not installed (package time; scripts/install-deps.sh installs it)")
    sys.exit(0)
t0 = time.monotonic()
snaps = [snapshot(os.path.join(tmp, "ccxtrace.bench.4242.1795739900.%d.json" % i), i, nstacks, depth)
         for i in (1, 2, 3)]
# 50 MiB the reader does not know: an array of zeros, a string of zeros
zeros = snapshot(os.path.join(tmp, "zeros.json"), 1, 1000, depth,
                 '"unknown_zeros":[%s0],' % ("0," * (25 << 20)))
zstr = snapshot(os.path.join(tmp, "zstr.json"), 1, 1000, depth, '"unknown_zeros":"%s",' % ("0" * (50 << 20)))
size = os.path.getsize(snaps[0])
print("inputs: 3 snapshots of %d stacks %d frames deep, %.0f MiB each; two of 1000 stacks with a 50 MiB "
      "member unknown to the reader (%.0f MiB); written in %.0f s"
      % (nstacks, depth, size / 2 ** 20, os.path.getsize(zeros) / 2 ** 20, time.monotonic() - t0))
cases = [("top", ["top", snaps[0]], size), ("diff", ["diff", snaps[0], snaps[1]], size),
         ("trend (3)", ["trend"] + snaps, size),
         ("top, [0,0,...] unknown", ["top", zeros], os.path.getsize(zeros)),
         ("top, \"00...\" unknown", ["top", zstr], os.path.getsize(zstr))]
tools = [("this build", tool)]
base = baseline()
if base:
    tools.insert(0, ("before (%s)" % base[0], base[1]))
print("%-24s %-24s %12s %9s %16s" % ("case", "reader", "peak RSS MiB", "seconds", "RSS / file size"))
for name, args, fsize in cases:
    for label, exe in tools:
        rss, dt = measure([exe] + args)
        print("%-24s %-24s %12.0f %9.2f %15.2fx" % (name, label, rss / 2 ** 20, dt, rss / fsize))
print("(RSS / file size: against one snapshot's size; diff reads 2 and trend 3 of them)")
