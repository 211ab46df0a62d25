#!/usr/bin/env python3
"""test_holders_analyzer.py - ccx-analyze shows python.holders beside the
growing types: snapshots this test writes (three, one hour apart; holders
in the second and third, as the tracer writes them from its second
snapshot on) through diff (text, markdown, JSON), trend (text, JSON) and
report (markdown, HTML), compared with golden outputs (golden/; rerun with
--update to rewrite them after a deliberate change).  Also: identical
paths collapse ("3 of 4 Broker instances"), garbage is counted apart, the
JSON groups add up to the instances examined, a set without holders shows
no holders section, and a malformed holders member is one clear error
(exit 2)."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import re
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "analyzer"))
from ccxsnap import Snap, census, py  # noqa: E402

root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(HERE, "../../..")))
build = os.environ.get("CCX_BUILD", os.path.join(root, "build"))
tool = os.path.join(build, "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
golden = os.path.join(HERE, "golden")
update = "--update" in sys.argv
if not os.access(tool, os.X_OK):
    print("FAIL: %s not built" % tool)
    sys.exit(1)

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


def el(type_, via, label, repr_, **kw):
    d = {"type": type_, "via": via, "label": label, "repr": repr_}
    d.update(kw)
    return d


def broker_path(index, local="broker"):
    return [el("dict", "root", "sys.modules", "sys.modules (114 modules)", refs=1),
            el("module", "key", "hmonitor", "module 'hmonitor'"),
            el("list", "global", "_errors", "list of 300 items"),
            el("ValueError", "index", str(index), "ValueError: cannot parse"),
            el("traceback", "attribute", "__traceback__", "traceback, line 70"),
            el("frame", "attribute", "tb_frame", "frame of run_components (app.py:68)"),
            el("Broker", "local", local, "Broker object")]


def holders(i):
    """python.holders of snapshot i (1 and 2; 0 has none)."""
    n = 100 * i
    session = [el("dict", "root", "sys.modules", "sys.modules (114 modules)", refs=1),
               el("module", "key", "hmonitor", "module 'hmonitor'"),
               el("dict", "global", "_cache", "dict of %d items" % n),
               el("Session", "key", "user:%d" % (7 * i), "Session object")]
    long_path = ([el("dict", "root", "module globals", "module 'chain'", refs=2, detail="chain")] +
                 [el("Node", "attribute", "next", "Node object") for _ in range(7)] +
                 [el("...", "elided", "977 objects", None)] +
                 [el("Node", "attribute", "next", "Node object") for _ in range(15)])
    return {
        "objects": 15620 + 1000 * i, "edges": 30048 + 2000 * i, "roots": 911, "samples": 3,
        "graph_ms": 2.5 + i, "search_ms": 2.75 + i, "unknown_field": [1, 2],
        "types": [
            {"name": "Broker", "why": "growth", "count": n, "growth": 100, "examined": 4, "garbage": 0,
             "search_ms": 0.25,
             "paths": [broker_path(3), broker_path(50 * i), broker_path(99), broker_path(4, "other")]},
            {"name": "frame", "why": "growth", "count": 2 * n, "growth": 200, "examined": 3, "garbage": 2,
             "search_ms": 0.125, "paths": [broker_path(5)[:-1]]},
            {"name": "Session", "why": "named", "count": n, "growth": 100, "examined": 3, "garbage": 0,
             "search_ms": 0.125, "paths": [session, session, session]},
            {"name": "Holder", "why": "named", "count": n, "growth": 100, "examined": 2, "garbage": 0,
             "search_ms": 0.0625,
             "paths": [[el("Holder", "root", "external reference", "Holder object", refs=1)],
                       [el("list", "root", "external reference", "list of 300 items", refs=1),
                        el("Holder", "index", "12", "Holder object")]]},
            {"name": "Node", "why": "named", "count": 1000, "growth": 0, "examined": 1, "garbage": 0,
             "search_ms": 0.5, "paths": [long_path]},
        ]}


def write_series(directory, with_holders=True, bad=None):
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(3):
        s = Snap(pid=4343, seq=i + 1, uptime=60 + 3600 * i)
        s.add([py("/app/app.py", "parse_component", 61), py("/app/app.py", "run_components", 68)],
              (10 + 3 * i) << 20, live_blocks=1000 + 300 * i)
        s.python = census({"Broker": (100 * i, 56 * 100 * i), "frame": (200 * i, 400 * 200 * i)},
                          gc_collections=(100 * i, 10 * i, i))
        if with_holders and i > 0:
            s.python["holders"] = holders(i)
        if bad is not None and i == 2:
            s.python["holders"] = bad
        paths.append(s.write(directory))
    return paths


def run(*args, rc=0):
    env = dict(os.environ, COLUMNS="110", NO_COLOR="1")
    p = subprocess.run([tool] + [str(a) for a in args], capture_output=True, text=True, env=env)
    check(p.returncode == rc, "%s: exit %d, want %d; stderr: %s"
          % (" ".join(map(str, args)), p.returncode, rc, p.stderr.strip()))
    return p


def section(text, start_marker):
    """The holders section: from its heading to the end of the output (it is last)."""
    i = text.find(start_marker)
    return text[i:] if i >= 0 else ""


def compare(name, got):
    path = os.path.join(golden, name)
    if update:
        os.makedirs(golden, exist_ok=True)
        with open(path, "w") as f:
            f.write(got)
        return
    try:
        with open(path) as f:
            want = f.read()
    except OSError:
        check(False, "golden file %s missing (run with --update)" % path)
        return
    if got != want:
        check(False, "%s differs from the golden output:\n--- want\n%s\n--- got\n%s" % (name, want, got))


d = os.path.join(tmp, "h")
snaps = write_series(d)

# diff: text, markdown, JSON
txt = section(run("diff", snaps[1], snaps[2]).stdout, "Who holds them")
compare("diff.txt", txt)
check("3 of 4 Broker instances: held by (indices or keys differ; the first one shown)" in txt,
      "identical Broker paths are not collapsed")
check("1 of 4 Broker instances: held by\n" in txt, "the Broker path with another local is not apart")
check("2 of 3 frame instances: cyclic garbage" in txt, "frame garbage not shown")
check("3 of 3 Session instances" in txt and "[user:14]" in txt and "._cache" in txt,
      "the cache path does not name the global and the key")
check("root: external reference, 1 reference from outside the gc heap" in txt, "the C-held root is not shown")
check("(977 objects)" in txt, "the elided part of a long path is not shown")
md = section(run("diff", snaps[1], snaps[2], "--format", "markdown").stdout, "**Who holds them**")
compare("diff.md", md)
check(md.count("```") == 2, "the markdown holders section is not one code block")
j = json.loads(run("diff", snaps[1], snaps[2], "--format", "json").stdout)
h = j.get("python", {}).get("holders")
check(h is not None, "diff JSON has no python.holders")
if h:
    check(h["snapshot"] == snaps[2], "holders come from NEW")
    h["snapshot"] = "NEW"
    compare("diff.json", json.dumps(h, indent=1, sort_keys=True) + "\n")
    for t in h["types"]:
        check(sum(g["instances"] for g in t["groups"]) + t["garbage"] == t["examined"],
              "%s: groups and garbage do not add up to the instances examined" % t["type"])
    b = [t for t in h["types"] if t["type"] == "Broker"][0]
    check([g["instances"] for g in b["groups"]] == [3, 1] and b["groups"][0]["labels_vary"],
          "Broker groups in JSON")

# trend: text and JSON (the last snapshot's holders)
txt = section(run("trend", *snaps).stdout, "Who holds them")
check(txt.startswith("Who holds them (python.holders in %s)" % os.path.basename(snaps[2])),
      "trend does not show the last snapshot's holders")
check("3 of 4 Broker instances" in txt, "trend holders text")
j = json.loads(run("trend", *snaps, "--format", "json").stdout)
th = j.get("python_holders")
check(th is not None and th["snapshot"] == snaps[2], "trend JSON has no python_holders of the last snapshot")
if th:
    th["snapshot"] = "NEW"
    compare("trend.json", json.dumps(th, indent=1, sort_keys=True) + "\n")

# report: markdown and HTML
rep = section(run("report", *snaps).stdout, "**Who holds them**")
rep = rep[:rep.find("\n---\n")] if "\n---\n" in rep else rep
compare("report.md", rep)
html = run("report", *snaps, "--format", "html").stdout
check("Who holds them" in html and "3 of 4 Broker instances" in html and "&lt;- root: sys.modules" in html,
      "the HTML report has no holders section")

one = run("report", snaps[2]).stdout
check("3 of 4 Broker instances" in one, "a one-snapshot report does not show its holders")

# no holders: no section, no key
plain = write_series(os.path.join(tmp, "plain"), with_holders=False)
check("Who holds them" not in run("diff", plain[1], plain[2]).stdout, "a holders section without holders")
check("holders" not in json.loads(run("diff", plain[1], plain[2], "--format", "json").stdout).get("python", {}),
      "a holders JSON member without holders")
check("python_holders" not in json.loads(run("trend", *plain, "--format", "json").stdout),
      "python_holders without holders")
check("Who holds them" not in run("report", plain[2]).stdout, "a holders section in a report without holders")

# a malformed holders member: one line, exit 2
badp = write_series(os.path.join(tmp, "bad"), bad={"types": [{"name": "B", "examined": 1, "garbage": 3}]})
p = run("diff", badp[1], badp[2], rc=2)
check(re.match(r"^ccx-analyze: .*ccxtrace\.[^ ]*\.3\.json: python holders: a types entry has more garbage "
               r"than instances examined\n$", p.stderr) is not None, "bad holders message: %r" % p.stderr)

if update:
    print("golden outputs rewritten in %s" % golden)
print("%s" % ("ok" if failures == 0 else "%d failures" % failures))
sys.exit(1 if failures else 0)
