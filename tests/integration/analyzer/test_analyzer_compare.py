#!/usr/bin/env python3
"""test_analyzer_compare.py - `ccx-analyze compare BEFORE... -- AFTER...`
on two generated runs of the fleet_scenario service whose difference is
known: BEFORE leaks dr.py:123 at 18 + 18 + 54 = 90 MiB/h over its three
processes, AFTER (the "fix") at 6 + 6 + 6 = 18 MiB/h: the difference is
-72 MiB/h, significant, "removed"; the unchanged sites are "same".
--fail-above gates on AFTER; text, JSON and Markdown; bad input exits 2
with one line."""
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
    e = dict(os.environ, COLUMNS="160", NO_COLOR="1")
    p = subprocess.run([tool] + [str(a) for a in args], capture_output=True, text=True, env=e)
    check(p.returncode == rc, "%s: exit %d, want %d; stderr: %s" % (" ".join(map(str, args)), p.returncode, rc,
                                                                    p.stderr.strip()))
    return p


def bad(args, needle):
    p = run(*args, rc=2)
    check(len(p.stderr.strip().splitlines()) == 1 and needle in p.stderr and p.stdout == "",
          "%s: want one line with %r and no output, got %r" % (" ".join(map(str, args)), needle, p.stderr))


LEAK = "/app/dr.py:123 DataReader.add [python]"
before, after = os.path.join(tmp, "before"), os.path.join(tmp, "after")
os.makedirs(before)
os.makedirs(after)
fs.fleet(before, rates=(18, 18, 54), seed=7)
fs.fleet(after, rates=(6, 6, 6), seed=11)

p = run("compare", before, "--", after, "--format", "json")
doc = json.loads(p.stdout) if p.stdout else {}
rows = {r["label"]: r for r in doc.get("rows", [])}
lk = rows.get(LEAK, {})
se_b, se_a, se_d = (lk.get(k, 0) for k in ("before_rate_se_bytes_per_h", "after_rate_se_bytes_per_h",
                                         "difference_se_bytes_per_h"))
check(abs(lk.get("before_rate_bytes_per_h", 0) - 90 * MiB) <= 3 * se_b, "BEFORE's rate: %s" % lk.get("before_rate_bytes_per_h"))
check(abs(lk.get("after_rate_bytes_per_h", 0) - 18 * MiB) <= 3 * se_a, "AFTER's rate: %s" % lk.get("after_rate_bytes_per_h"))
check(abs(lk.get("difference_bytes_per_h", 0) + 72 * MiB) <= 3 * se_d and se_d > 0,
      "difference -72 MiB/h within 3 SE: %.1f +- %.1f" % (lk.get("difference_bytes_per_h", 0) / MiB, se_d / MiB))
check(abs(se_d ** 2 - se_a ** 2 - se_b ** 2) < 1e-6 * se_d ** 2, "the difference's variance is the sum of the runs'")
check(lk.get("significant") is True and lk.get("verdict") == "removed", "the leak's reduction is significant: %s" % lk.get("verdict"))
check(doc.get("rows", [{}])[0].get("label") == LEAK, "the largest difference comes first")
others = [r for r in doc.get("rows", []) if r["label"] != LEAK]
check(others and all(r["verdict"] == "same" and not r["significant"] for r in others),
      "unchanged sites are the same: %s" % [(r["label"], r["verdict"]) for r in others])
check(doc.get("before", {}).get("processes") == 3 and doc.get("after", {}).get("processes") == 3, "3 processes per run")

txt = run("compare", before, "--", after).stdout
check("the change removed +" in txt and "at " + LEAK in txt, "text headline names what the fix removed:\n" + txt[:500])
md = run("compare", before, "--", after, "--format", "markdown").stdout
check(md.startswith("## compare") and "| removed | `" + LEAK + "` |" in md, "markdown table:\n" + md[:800])
html = run("compare", before, "--", after, "--format", "html").stdout
check(html.startswith("<!doctype html>") and "<td class=\"l\">removed</td><td class=\"l\"><code>" + LEAK in html
      and html.rstrip().endswith("</html>"), "html page:\n" + html[:600])
# the gate is on AFTER: 18 MiB/h crosses 10 MiB/h, not 30 MiB/h
run("compare", before, "--", after, "--fail-above", "10MB/h", rc=1)
run("compare", before, "--", after, "--fail-above", "30MB/h", rc=0)
# the same run on both sides: no difference
txt = run("compare", before, "--", before).stdout
check("no significant difference" in txt, "a run compared with itself:\n" + txt[:300])
# options: --cmd keeps a part of each run
run("compare", before, "--", after, "--cmd", "app.py")

bad(["compare", before, after], "compare needs two runs")
bad(["compare", before, "--"], "compare needs two runs")
bad(["compare", before, "--", after, "--fail-above", "10MB"], '--fail-above "10MB"')
bad(["compare", before, "--", after, "--format", "folded"], "format folded is not available")
bad(["compare", before, "--", after, "--cmd", "nothing-like-it"], '--cmd "nothing-like-it"')
bad(["compare", before, "--", os.path.join(tmp, "missing")], "missing")
one = os.path.join(tmp, "one")
os.makedirs(one)
fs.extras(one)
bad(["compare", before, "--", next(os.path.join(one, f) for f in os.listdir(one) if ".57." in f)], "AFTER: no process has 3")

finish()
