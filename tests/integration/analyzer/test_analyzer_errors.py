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
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenario  # noqa: E402

root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(HERE, "../../..")))
tool = os.path.join(os.environ.get("CCX_BUILD", os.path.join(root, "build")), "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


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
]
for what, path, msg in cases:
    for cmd in (["top", path], ["diff", good[0], path], ["trend", good[0], good[1], path]):
        if cmd[0] != "trend" and os.path.isdir(path) and cmd[0] == "top":
            msg2 = "no snapshots"
        else:
            msg2 = msg
        p = subprocess.run([tool] + cmd, capture_output=True, text=True)
        err = p.stderr.strip().splitlines()
        check(p.returncode == 2, "%s (%s): exit %d, want 2" % (what, cmd[0], p.returncode))
        check(len(err) == 1, "%s (%s): %d stderr lines: %r" % (what, cmd[0], len(err), p.stderr))
        check(err and path in err[0] and msg2 in err[0], "%s (%s): message %r lacks path or %r" % (what, cmd[0], err[:1], msg2))
        check(p.stdout == "", "%s (%s): no partial output on stdout" % (what, cmd[0]))
    out = os.path.join(tmp, "report-%s.md" % what.replace(" ", "_"))
    p = subprocess.run([tool, "report", good[0], path, "-o", out], capture_output=True, text=True)
    check(p.returncode == 2, "%s (report): exit %d" % (what, p.returncode))
    leftovers = [f for f in os.listdir(tmp) if f.startswith("report-")]
    check(not leftovers, "%s: report left %s behind" % (what, leftovers))

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
    (["plot", write("bad.csv", "a,b,c\n1,2,3\n")], "not a tracer stats CSV"),
    (["plot", write("bad_docker_stats.csv", "timestamp,elapsed_min,cpu_perc,mem_usage_mb\n2025-12-11 09:10:22,0,0.1,lots\n")], ":2: bad row"),
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
print("%d failures" % failures)
sys.exit(1 if failures else 0)
