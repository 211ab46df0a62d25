#!/usr/bin/env python3
"""test_analyzer_pprof.py - `--format pprof` read by Debian's `go tool pprof`.

Snapshots with known contents (built here with ccxsnap.py): Python stacks
under the allocator and interpreter frames, two stacks that differ only
below their grouping frame (pprof merges them), one stack at two layers,
two stacks sharing a leaf line, a <lambda>, native-only stacks (one
function at two offsets), an mmap site that goes away.  For top, diff and
trend, `go tool pprof` must read the profile without trying to symbolize
it, and its figures must equal ccx-analyze's own JSON for the same input:
per stack (`-raw`: values, stacks from the grouping frame, layer and
status/class labels) and per line (`-top -lines` with an explicit -unit,
against `--by line`); the JSON itself is checked against the known truth.
Also: the sample types and units, the sampling period, a binary refused on
a terminal, --by other than stack refused.  Skips (77) when go is absent.
"""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import pty
import re
import shutil
import subprocess
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ccxsnap import Snap, native, py  # noqa: E402

from antest import build, check, finish, need_tool, root, tmp, tool  # noqa: E402,F401
need_tool()
go = shutil.which("go")
if not go:
    print("SKIP: go not installed (Debian: apt-get install golang-go; scripts/install-deps.sh does)")
    sys.exit(77)
# go tool pprof offline, its caches in the test's directory
GOENV = dict(os.environ, GOCACHE=os.path.join(tmp, "gocache"), GOPATH=os.path.join(tmp, "gopath"),
             HOME=tmp, GOFLAGS="", GOPROXY="off", GOTOOLCHAIN="local", GOTELEMETRY="off")


def run(*args, rc=0):
    p = subprocess.run([tool] + [str(a) for a in args], capture_output=True)
    check(p.returncode == rc, "%s: exit %d, want %d; stderr: %s" % (" ".join(map(str, args)), p.returncode, rc,
                                                                    p.stderr.decode(errors="replace").strip()))
    return p


def js(*args):
    p = run(*args, "--format", "json", "-n", "0")
    try:
        return json.loads(p.stdout)
    except ValueError:
        check(False, "%s: output is not JSON" % " ".join(map(str, args)))
        return {"rows": []}


def pprof(*args):
    p = subprocess.run([go, "tool", "pprof"] + list(args), capture_output=True, text=True, env=GOENV)
    check(p.returncode == 0, "go tool pprof %s: exit %d: %s" % (" ".join(args), p.returncode, p.stderr.strip()))
    # has_functions/has_filenames/has_line_numbers: no symbolization attempt
    check(not re.search(r"symboliz|Main binary|binary filename", p.stderr, re.I),
          "go tool pprof %s tried to symbolize: %s" % (" ".join(args), p.stderr.strip()))
    return p.stdout


# ---- the snapshots: known truth ----
MiB = 1 << 20
HOUR = 3600.0
K = 4
MALLOC = native("libc.so.6", "malloc", 0x10)
ALLOC1 = [MALLOC, native("libpython3.11.so.1.0", "_PyObject_Malloc", 0x65),
          native("libpython3.11.so.1.0", "PyUnicode_New", 0x30)]
ALLOC2 = [MALLOC, native("libpython3.11.so.1.0", "PyList_Append", 0x22)]
LEAK = [py("/app/x.py", "Broker.add_exception", 42), py("/app/run.py", "run_components", 10),
        py("/app/main.py", "<module>", 1)]
SITES = [  # stack, layer, live bytes per snapshot (None: absent), blocks
    (ALLOC1 + LEAK, "python", [MiB + 262144 * i for i in range(K)], [100 + 10 * i for i in range(K)]),
    (ALLOC2 + LEAK, "python", [300000 + 7000 * i for i in range(K)], [30 + i for i in range(K)]),
    (ALLOC1 + LEAK, "libc", [65536] * K, [4] * K),
    (ALLOC1 + [py("/app/x.py", "Broker.add_exception", 42), py("/app/other.py", "g", 5),
               py("/app/main.py", "<module>", 1)], "python", [2 * MiB - 100000 * i for i in range(K)], [50] * K),
    (ALLOC1 + [py("/app/lam.py", "<lambda>", 3), py("/app/main.py", "<module>", 2)], "python",
     [None, 4096, 8192, 8192], [None, 1, 2, 2]),
    ([MALLOC, native("libfoo.so", "parse", 0x44), native("libfoo.so", "load", 0x20)], "libc",
     [524288] * K, [8] * K),
    ([MALLOC, native("libfoo.so", "parse", 0x50), native("libbar.so", "main", 0x10)], "libc",
     [123457 * (i + 1) for i in range(K)], [i + 1 for i in range(K)]),
    ([native("libc.so.6", "mmap", 0x5), native("libfoo.so", "grow_arena", 0x9)], "mmap",
     [MiB, MiB, None, None], [1, 1, None, None]),
]
sdir = os.path.join(tmp, "snaps")
os.makedirs(sdir)
paths = []
for i in range(K):
    s = Snap(seq=i + 1, uptime=60 + HOUR * i, mode="sample", interval=4096)
    for stack, layer, b, n in SITES:
        if b[i] is not None:
            s.add(stack, b[i], live_blocks=n[i], layer=layer)
    paths.append(s.write(sdir))
first, last = paths[0], paths[-1]


def label(f):
    """A frame as ccx-analyze's JSON stacks print it."""
    if f[0] == "python":
        return "%s:%d %s" % (f[1], f[3], f[2])
    return "%s!%s+0x%x" % (f[1], f[2], f[3] % 97)


def ident(lab):
    """A JSON frame label's symbolic identity: a native frame with a symbol is
    module + symbol (ccx-analyze prints the offset of the first one it saw)."""
    return re.sub(r"^([^!:]*![^ ]*)\+0x[0-9a-f]+$", r"\1", lab)


def val(seq, i):
    return seq[i] or 0


def slope_per_hour(ys):
    xs = [(60 + HOUR * i) / HOUR for i in range(K)]
    mx, my = sum(xs) / K, sum(ys) / K
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)


truth = {}  # (full stack labels, layer) -> {top, top_blocks, diff, diff_blocks, rate}
for stack, layer, b, n in SITES:
    truth[(tuple(ident(label(f)) for f in stack), layer)] = {
        "top": val(b, K - 1), "top_blocks": val(n, K - 1),
        "diff": val(b, K - 1) - val(b, 0), "diff_blocks": val(n, K - 1) - val(n, 0),
        "rate": slope_per_hour([val(b, i) for i in range(K)])}


# ---- ccx-analyze's JSON in pprof's terms ----
def pprof_name(lab, by_line=False):
    """A JSON frame label as go tool pprof prints it: -raw 'name file:line',
    -top -lines 'name file:line' (native frames: the symbol)."""
    m = re.match(r"^(.*):(\d+) (\S+)$", lab)
    if m and "!" not in lab:
        return "%s %s:%s" % (m.group(3), m.group(1), m.group(2))
    m = re.match(r"^[^!]*!(.*)\+0x[0-9a-f]+$", lab)
    name = m.group(1) if m else lab
    return name if by_line else name + " :0"


def trimmed(row):
    """The row's stack from its grouping frame (the label without its layer)."""
    key = ident(row["label"].rsplit(" [", 1)[0])
    st = [ident(x) for x in row["stack"]]
    check(key in st, "grouping frame %r in the stack %s" % (key, st))
    return tuple(pprof_name(x + "+0x0" if "!" in x else x) for x in st[st.index(key):]) if key in st else ()


def expect_raw(rows, fields, extra):
    """Samples pprof should hold: rows merged by (stack, labels), values summed."""
    out = defaultdict(lambda: [0] * len(fields))
    for r in rows:
        labels = {"layer": r["layer"]}
        if extra:
            labels[extra[0]] = r[extra[1]]
        k = (trimmed(r), tuple(sorted(labels.items())))
        for j, f in enumerate(fields):
            out[k][j] += round(f(r))
    return {k: v for k, v in out.items() if any(v)}


def parse_raw(text):
    """go tool pprof -raw: sample types, samples (values, location ids,
    labels), locations ('name file:line'), mappings."""
    types, samples, locs, maps, sect = [], [], {}, [], None
    for line in text.splitlines():
        if line in ("Samples:", "Locations", "Mappings"):
            sect = line
            continue
        if sect == "Samples:":
            m = re.match(r"^\s*((?:-?\d+\s+)*-?\d+): ([\d ]*)$", line)
            if m:
                samples.append([[int(x) for x in m.group(1).split()], [int(x) for x in m.group(2).split()], {}])
            elif re.match(r"^\s+\w+:\[", line) and samples:
                samples[-1][2] = dict(re.findall(r"(\w+):\[([^\]]*)\]", line))
            elif line.strip() and not types:
                types = line.split()
        elif sect == "Locations":
            m = re.match(r"^\s*(\d+): 0x[0-9a-f]+ (?:M=(\d+) )?(.*) (\S*):(-?\d+) s=\d+", line)
            if m:
                locs[int(m.group(1))] = ("%s %s:%s" % (m.group(3), m.group(4), m.group(5)), m.group(2))
        elif sect == "Mappings" and line.strip():
            maps.append(line)
    got = {}
    for vals, ids, labels in samples:
        k = (tuple(locs.get(i, ("?",))[0] for i in ids), tuple(sorted(labels.items())))
        got[k] = [a + b for a, b in zip(got.get(k, [0] * len(vals)), vals)]
    return types, got, locs, maps


def parse_top(text):
    """go tool pprof -top: name -> flat value."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"^\s*(-?[\d.]+)[A-Za-z_]*\s+-?[\d.]+%\s+-?[\d.]+%\s+-?[\d.]+[A-Za-z_]*\s+-?[\d.]+%\s+(.*)$", line)
        if m:
            out[m.group(2)] = out.get(m.group(2), 0) + float(m.group(1))
    return out


def compare_raw(what, prof, rows, types, fields, extra=None, tol=0):
    t, got, locs, maps = parse_raw(pprof("-raw", prof))
    check(t == types, "%s: sample types %s, want %s" % (what, t, types))
    want = expect_raw(rows, fields, extra)
    check(set(got) == set(want), "%s: stacks differ:\n  pprof only %s\n  json only %s" %
          (what, sorted(set(got) - set(want)), sorted(set(want) - set(got))))
    for k in set(got) & set(want):
        check(all(abs(a - b) <= tol for a, b in zip(got[k], want[k])),
              "%s: %s: pprof %s, ccx-analyze %s" % (what, k, got[k], want[k]))
    check(len(maps) >= 2 and all(m.endswith("[FN][FL][LN]") for m in maps),
          "%s: every mapping has functions, file names, line numbers: %s" % (what, maps))
    check(maps and " python3.11 " in maps[0], "%s: mapping 1 is the executable: %s" % (what, maps[:1]))
    return got


def compare_lines(what, prof, index, unit, line_rows, field, stack_rows, tol_per_site=0.0):
    args = ["-top", "-lines", "-nodefraction=0", "-edgefraction=0", "-nodecount=100000",
            "-sample_index=" + index, "-unit=" + unit, prof]
    got = {k: v for k, v in parse_top(pprof(*args)).items() if v}
    want, nsites = defaultdict(float), defaultdict(int)
    for r in line_rows:
        want[pprof_name(r["label"], by_line=True)] += field(r)
    for r in stack_rows:
        nsites[pprof_name(r["label"].rsplit(" [", 1)[0], by_line=True)] += 1
    want = {k: v for k, v in want.items() if round(v)}
    check(set(got) == set(want), "%s per line: names differ: pprof %s, json %s" % (what, sorted(got), sorted(want)))
    for k in set(got) & set(want):
        check(abs(got[k] - want[k]) <= tol_per_site * nsites[k] + 1e-6,
              "%s per line %s: pprof %s, ccx-analyze --by line %s" % (what, k, got[k], want[k]))
    return got


def check_truth(what, rows, field, key, tol=0.0):
    for r in rows:
        t = truth.get((tuple(ident(x) for x in r["stack"]), r["layer"]))
        check(t is not None and abs(field(r) - t[key]) <= tol,
              "%s: json %s for %s [%s], truth %s" % (what, field(r), r["label"], r["layer"], t and t[key]))


# ---- top ----
prof = os.path.join(tmp, "top.pb.gz")
run("top", last, "--format", "pprof", "-o", prof)
with open(prof, "rb") as fh:
    check(fh.read(2) == b"\x1f\x8b", "top: gzip output")
tj, tl = js("top", last), js("top", last, "--by", "line")
check_truth("top bytes", tj["rows"], lambda r: r["live_bytes"], "top")
check_truth("top blocks", tj["rows"], lambda r: r["live_blocks"], "top_blocks")
got = compare_raw("top", prof, tj["rows"], ["live_blocks/count", "live_bytes/bytes[dflt]"],
                  [lambda r: r["live_blocks"], lambda r: r["live_bytes"]])
merged = [k for k in got if k[0][:1] == ("Broker.add_exception /app/x.py:42",) and "run_components" in k[0][1]
          and ("layer", "python") in k[1]]
check(len(merged) == 1 and got[merged[0]][1] == truth[(tuple(ident(label(f)) for f in ALLOC1 + LEAK), "python")]["top"] +
      truth[(tuple(ident(label(f)) for f in ALLOC2 + LEAK), "python")]["top"],
      "top: two stacks differing below the Python line are one pprof stack: %s" % [(k, got[k]) for k in merged])
check(any(k[0][0] == "<lambda> /app/lam.py:3" for k in got), "top: <lambda> kept as the function's name")
check(not any("malloc" in f or "PyUnicode_New" in f for k in got for f in k[0]),
      "top: no allocator or interpreter frame in any pprof stack")
compare_lines("top bytes", prof, "live_bytes", "byte", tl["rows"], lambda r: r["live_bytes"], tj["rows"])
compare_lines("top blocks", prof, "live_blocks", "count", tl["rows"], lambda r: r["live_blocks"], tj["rows"])
raw = pprof("-raw", prof)
check("PeriodType: space bytes" in raw and "Period: 4096" in raw, "top: the sampling period is in the profile")

# ---- diff ----
prof = os.path.join(tmp, "diff.pb.gz")
with open(prof, "wb") as fh:  # stdout redirected to a file: allowed
    p = subprocess.run([tool, "diff", first, last, "--format", "pprof"], stdout=fh, stderr=subprocess.PIPE)
check(p.returncode == 0, "diff --format pprof > file: exit %d %s" % (p.returncode, p.stderr))
dj, dl = js("diff", first, last), js("diff", first, last, "--by", "line")
check_truth("diff bytes", dj["rows"], lambda r: r["growth_bytes"], "diff")
check_truth("diff blocks", dj["rows"], lambda r: r["new_blocks"] - r["old_blocks"], "diff_blocks")
got = compare_raw("diff", prof, dj["rows"], ["growth_blocks/count", "growth_bytes/bytes[dflt]"],
                  [lambda r: r["new_blocks"] - r["old_blocks"], lambda r: r["growth_bytes"]], ("status", "status"))
check(any(v[1] < 0 for v in got.values()), "diff: shrinking sites are negative samples")
check(any(dict(k[1]).get("status") == "shrank,gone" for k in got), "diff: status label of the vanished mmap site")
compare_lines("diff bytes", prof, "growth_bytes", "byte", dl["rows"], lambda r: r["growth_bytes"], dj["rows"])
compare_lines("diff blocks", prof, "growth_blocks", "count", dl["rows"], lambda r: r["new_blocks"] - r["old_blocks"],
              dj["rows"])

# ---- trend ----
prof = os.path.join(tmp, "trend.pb.gz")
run("trend", sdir, "--format", "pprof", "-o", prof)
rj, rl = js("trend", sdir), js("trend", sdir, "--by", "line")
check_truth("trend rate", rj["rows"], lambda r: r["rate_bytes_per_h"], "rate", tol=1e-6)
compare_raw("trend", prof, rj["rows"], ["growth_bytes/bytes", "growth_rate/bytes_per_hour[dflt]"],
            [lambda r: r["fitted_growth_bytes"], lambda r: r["rate_bytes_per_h"]], ("class", "class"), tol=1)
compare_lines("trend rate", prof, "growth_rate", "bytes_per_hour", rl["rows"], lambda r: r["rate_bytes_per_h"],
              rj["rows"], tol_per_site=0.5)
compare_lines("trend growth", prof, "growth_bytes", "byte", rl["rows"], lambda r: r["fitted_growth_bytes"],
              rj["rows"], tol_per_site=0.5)
check("Duration: 3h0m" in pprof("-raw", prof), "trend: the span is the profile's duration")

# ---- refusals ----
master, slave = pty.openpty()
p = subprocess.run([tool, "top", last, "--format", "pprof"], stdout=slave, stderr=subprocess.PIPE)
os.close(slave)
os.set_blocking(master, False)
try:
    leaked = os.read(master, 4096)
except OSError:
    leaked = b""
os.close(master)
check(p.returncode == 2 and b"binary" in p.stderr and b"-o FILE" in p.stderr and not leaked,
      "pprof to a terminal refused: exit %d, stderr %s, %d bytes written" % (p.returncode, p.stderr, len(leaked)))
bad = os.path.join(tmp, "bad.pb.gz")
p = run("top", last, "--format", "pprof", "--by", "line", "-o", bad, rc=2)
check(b"--by" in p.stderr and not os.path.exists(bad), "--by line with pprof refused, no file: %s" % p.stderr)
p = run("report", last, "--format", "pprof", "-o", bad, rc=2)
check(not os.path.exists(bad), "report --format pprof refused, no file")

finish()
