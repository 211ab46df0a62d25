#!/usr/bin/env python3
"""test_analyzer_errors.py - bad input and bad usage: exit status 2, one
line on stderr naming the file and the problem, nothing on stdout, no
partial output file (-o) left behind."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenario  # noqa: E402

from antest import build, check, finish, need_tool, root, tmp, tool  # noqa: E402,F401


good_dir = os.path.join(tmp, "good")
os.makedirs(good_dir)
good = scenario.series(good_dir, count=3)
doc = json.load(open(good[1]))


def write(name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def mutate(name, fn):
    d = json.loads(json.dumps(doc))
    fn(d)
    return write(name, json.dumps(d))


fifo = os.path.join(tmp, "fifo.json")
os.mkfifo(fifo)


def run(args, **kw):
    """The tool, with a time limit: a FIFO used to block it forever."""
    try:
        return subprocess.run([tool] + args, capture_output=True, timeout=60, **kw)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, 124, b"" if "text" not in kw else "",
                                           "timed out (blocked?)" if "text" in kw else b"timed out (blocked?)")


empty_dir = os.path.join(tmp, "empty_dir")
os.makedirs(empty_dir)
write("empty_dir/notes.txt", "no snapshots here")
text = json.dumps(doc)
cases = [
    ("missing file", os.path.join(tmp, "nope.json"), "No such file"),
    ("empty file", write("empty.json", ""), "empty file"),
    ("truncated", write("trunc.json", text[: len(text) // 2]), "truncated JSON"),
    ("not JSON", write("garbage.json", "hello"), "invalid JSON"),
    ("another format", mutate("other.json", lambda d: d.update(format="memray")), "format \"memray\""),
    ("newer version", mutate("v2.json", lambda d: d.update(version=2)), "newer"),
    ("wrong type", mutate("type.json", lambda d: d.update(pid="42")), "\"pid\" is not a number"),
    ("wrong type in site", mutate("type2.json", lambda d: d["sites"][0].update(live_bytes="many")), "is not a number"),
    ("negative size", mutate("neg.json", lambda d: d["sites"][0].update(live_bytes=-100)), "negative"),
    ("absurd number", mutate("huge.json", lambda d: d["sites"][0].update(live_blocks=1e300)), "absurdly large"),
    ("frame id out of range", mutate("fid.json", lambda d: d["stacks"][0]["frames"].append(999)), "out of range"),
    ("stack id out of range", mutate("sid.json", lambda d: d["sites"][0].update(stack=-1)), "out of range"),
    ("module id out of range", mutate("mid.json", lambda d: [f.update(module=77) for f in d["frames"] if f["kind"] == "native"]), "out of range"),
    ("duplicate ids (cycle)", mutate("dup.json", lambda d: d["frames"][1].update(id=d["frames"][0]["id"])), "appears twice"),
    ("stack too deep", mutate("deep.json", lambda d: d["stacks"][0].update(frames=[0] * 5000)), "deep"),
    ("directory without snapshots", empty_dir, "no snapshots"),
    # issue 12: malformed shapes cJSON alone accepts
    ("trailing garbage", write("trailing.json", text + "\n}garbage"), "trailing data after the JSON document"),
    ("a second document", write("second.json", text + "\n" + text), "a second document"),
    ("duplicate key: empty sites first", write("dupkey.json", text.replace('"sites": [', '"sites": [], "sites": [', 1)),
     'key "sites" appears twice in the top-level object'),
    ("sites missing", mutate("nosites.json", lambda d: d.pop("sites")), 'no "sites" array'),
    ("sampling missing", mutate("nosampling.json", lambda d: d.pop("sampling")), 'no "sampling" object'),
    ("sampling mode missing", mutate("nomode.json", lambda d: d["sampling"].pop("mode")), 'sampling has no "mode"'),
    ("a number beyond a double", write("inf.json", json.dumps(dict(doc, pid=424242)).replace("424242", "1e400")),
     '"pid" is out of range'),
    ("a FIFO", fifo, "not a regular file (a FIFO)"),
]
for what, path, msg in cases:
    for cmd in (["top", path], ["diff", good[0], path], ["trend", good[0], good[1], path]):
        if cmd[0] != "trend" and os.path.isdir(path) and cmd[0] == "top":
            msg2 = "no snapshots"
        else:
            msg2 = msg
        p = run(cmd, text=True)
        err = p.stderr.strip().splitlines()
        check(p.returncode == 2, "%s (%s): exit %d, want 2" % (what, cmd[0], p.returncode))
        check(len(err) == 1, "%s (%s): %d stderr lines: %r" % (what, cmd[0], len(err), p.stderr))
        check(err and path in err[0] and msg2 in err[0], "%s (%s): message %r lacks path or %r" % (what, cmd[0], err[:1], msg2))
        check(p.stdout == "", "%s (%s): no partial output on stdout" % (what, cmd[0]))
    out = os.path.join(tmp, "report-%s.md" % what.replace(" ", "_"))
    p = run(["report", good[0], path, "-o", out], text=True)
    check(p.returncode == 2, "%s (report): exit %d" % (what, p.returncode))
    leftovers = [f for f in os.listdir(tmp) if f.startswith("report-")]
    check(not leftovers, "%s: report left %s behind" % (what, leftovers))

# A FIFO named like a snapshot in a directory given to trend (or plot) is
# skipped with a warning, never opened: the other snapshots are read.
fifo_dir = os.path.join(tmp, "fifo_dir")
os.makedirs(fifo_dir)
for i, g in enumerate(good):
    with open(g, "rb") as src, open(os.path.join(fifo_dir, os.path.basename(g)), "wb") as dst:
        dst.write(src.read())
fifo_in_dir = os.path.join(fifo_dir, "ccxtrace.web.9.1795739900.1.json")
os.mkfifo(fifo_in_dir)
for cmd in (["trend", fifo_dir], ["plot", fifo_dir, "--format", "text"]):
    p = run(cmd, text=True)
    err = p.stderr.strip().splitlines()
    check(p.returncode == 0, "%s with a FIFO in it: exit %d (%s)" % (cmd, p.returncode, p.stderr.strip()))
    check(len(err) == 1 and fifo_in_dir in err[0] and "not a regular file (a FIFO), skipped" in err[0],
          "%s with a FIFO in it: want one warning naming it, got %r" % (cmd, err))
    check(p.stdout.strip() != "", "%s with a FIFO in it: no output" % cmd)

# Control characters and invalid UTF-8 from the traced process (command
# line, file and function names, type names): shown escaped (\x1b, \xff,
# \u009b) in every format, never raw on a terminal, and JSON output stays
# valid UTF-8 JSON.
def hostile(d):
    d["cmdline"] = "python3 \x1b]0;owned\x07\x1b[2J app.py MARK_BAD_UTF8"
    d["exe"] = "/usr/bin/python3\nsecond line"
    for f in d["frames"]:
        if f["kind"] == "python":
            f["file"] = "/app/\x1b[31mred.py"
            f["function"] = "f\u009bx MARK_BAD_UTF8"
        else:
            f["symbol"] = "sym\x7f\r"
    for t in (d.get("python") or {}).get("types") or []:
        t["name"] = "T\x1b[5m"


hdir = os.path.join(tmp, "hostile")
os.makedirs(hdir)
hpaths = []
for g in good:
    d = json.load(open(g))
    hostile(d)
    raw = json.dumps(d).encode().replace(b"MARK_BAD_UTF8", b"caf\xe9\xff\xc0\xaf")
    hp = os.path.join(hdir, os.path.basename(g))
    with open(hp, "wb") as f:
        f.write(raw)
    hpaths.append(hp)
runs = [["top", hpaths[-1], "-n", "0"], ["diff", hpaths[0], hpaths[-1], "-n", "0"], ["trend", "-n", "0"] + hpaths,
        ["report", "-n", "0"] + hpaths, ["report", "--format", "html"] + hpaths]
for base in runs:
    fmts = [[]] if base[0] == "report" else [[], ["--format", "json"], ["--format", "markdown"], ["--format", "folded"]]
    for fmt in fmts:
        cmd = base + fmt
        p = run(cmd)
        check(p.returncode == 0, "%s: exit %d: %r" % (cmd, p.returncode, p.stderr[-300:]))
        out = p.stdout
        try:
            out.decode("utf-8", "strict")
        except UnicodeDecodeError as e:
            check(False, "%s: output is not valid UTF-8: %s" % (cmd, e))
        # the tool's own newlines, and tabs where cJSON indents
        ctl = sorted(set(c for c in out if (c < 0x20 and c not in (0x0a, 0x09)) or c == 0x7f))
        check(not ctl, "%s: raw control bytes %s in the output" % (cmd, ctl))
        check(b"\xc2\x9b" not in out, "%s: a raw C1 CSI in the output" % cmd)
        if fmt == ["--format", "json"]:
            try:
                j = json.loads(out.decode("utf-8"))
                s = json.dumps(j)
                check("\\\\x1b" in s and "\\\\xe9" in s, "%s: escapes not visible in JSON values" % cmd)
            except ValueError as e:
                check(False, "%s: not JSON: %s" % (cmd, e))
        elif fmt == [] and base[0] in ("top", "diff", "trend"):
            check(b"\\x1b" in out and b"\\xe9\\xff\\xc0\\xaf" in out,
                  "%s: the escapes are not shown visibly: %r" % (cmd, out[:400]))

usage = [
    (["top"], "no input"),
    (["frobnicate", good[0]], "unknown command"),
    (["diff", good[0]], "two snapshots"),
    (["trend", good[0], good[1]], "3 or more"),
    (["top", good[0], "--by", "colour"], "--by"),
    (["top", good[0], "--format", "pdf"], "--format"),
    (["top", good[0], "-n", "many"], "-n"),
    (["diff", good[0], good[1], "--fail-above", "10 parsecs"], "--fail-above"),
    (["trend"] + good + ["--fail-above", "2MB"], "--fail-above"),
    (["diff", good[0], good[1], "--min-bytes", "-5"], "--min-bytes"),
    (["top", good[0], "--fail-above", "1MB"], "--fail-above"),
    # each file is warned about (test_analyzer_plot.py); nothing left: exit 2
    (["plot", write("bad.csv", "a,b,c\n1,2,3\n")], "nothing to plot"),
    (["plot", write("bad_docker_stats.csv", "timestamp,elapsed_min,cpu_perc,mem_usage_mb\n2025-12-11 09:10:22,0,0.1,lots\n")], "nothing to plot"),
    (["top", good[0], "--by", "type", "--format", "folded"], "not available"),
    (["diff", good[0], good[1], "--by", "type"],
     "diff --by type: the type changes are always shown; use --by stack|function|line|file|module"),
    (["trend"] + good + ["--by", "type"],
     "trend --by type: the type changes are always shown; use --by stack|function|line|file|module"),
]
for cmd, msg in usage:
    p = subprocess.run([tool] + cmd, capture_output=True, text=True)
    err = p.stderr.strip().splitlines()
    check(p.returncode == 2, "%s: exit %d, want 2" % (cmd, p.returncode))
    check(err and msg in err[-1], "%s: message %r lacks %r" % (cmd, err, msg))
    check(p.stdout == "", "%s: nothing on stdout" % cmd)
p = subprocess.run([tool, "--help"], capture_output=True, text=True)
check(p.returncode == 0 and "trend" in p.stdout, "--help")
finish()
