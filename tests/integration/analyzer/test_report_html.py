#!/usr/bin/env python3
"""test_report_html.py - the HTML report (ccx-analyze report --format html)
as a browser renders it: headless chromium (Debian's package) loads the
file, --dump-dom gives the DOM it built, and a copy of the report with one
added script gives the page's innerText (what a reader sees, line by line).

The snapshots are written here (ccxsnap.py), so every figure is known: six
snapshots one hour apart with a steady leak (14-frame stack), a growth that
stopped (6 frames), seven noise sites (15 frames each), a shrinking site, a
census with an after_collect part, gc statistics and python.holders in the
last snapshot; names with <, &, quotes and a <script> in the command line,
a type name and a holder's repr.  Checks:
  - the census is a <table> with a header and one row per changed type,
    with the counts, changes and byte changes the snapshots give;
  - gc is a table of the three generations;
  - each holder path is an <ol> with one item per object;
  - the steady and the stopped site have <pre> blocks with their whole
    stacks; the seven noise sites are the rows of one table, with no stack;
  - no line of the Python section's innerText is longer than 300
    characters (before: one line of thousands), census rows are lines;
  - no text became markup (no <script>, the odd names read as written);
  - the same in a two-snapshot (diff) report and a one-snapshot report
    (holders only), and the Markdown report's noise table.
Skips (77) when chromium is not installed."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import html.parser
import os
import re
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from ccxsnap import Snap, census, native, py  # noqa: E402

from antest import build, check, finish, need_tool, root, tmp, tool  # noqa: E402,F401
need_tool()
chromium = shutil.which("chromium")
if not chromium:
    print("SKIP: chromium is not installed (Debian package chromium; scripts/install-deps.sh installs it)")
    sys.exit(77)


MiB, KiB, HOUR = 1 << 20, 1 << 10, 3600.0
COUNT = 6
ALLOC = [native("libpython3.11.so.1.0", "_PyObject_Malloc", 0x65),
         native("libpython3.11.so.1.0", "PyUnicode_New", 0x30)]
LEAK = ALLOC + [py("/app/x.py", "Broker.add_exception", 42)] + \
    [py("/app/layer%d.py" % d, "<lambda>" if d == 3 else "call_%d" % d, 10 + d) for d in range(11)]
PLATEAU = ALLOC + [py("/app/cache.py", "warm", 7), py("/app/cache.py", "fill", 20),
                   py("/app/main.py", "setup", 5), py("/app/main.py", "<module>", 2)]
NOISE = [[native("libpython3.11.so.1.0", "PyTuple_New", 0x11)] +
         [py("/app/noise%d.py" % s, "step_%d" % d, 100 + d) for d in range(14)] for s in range(7)]
SHRINK = ALLOC + [py("/app/shrink.py", "drain", 3)]
NOISE_KIB = [0, 60, 20, 80, 40, 100]   # each noise site: 1 MiB + this, rotated: grows < 1 MiB
WEIRD = "Weird<&>'\""
CMDLINE = "python3 app.py --tag '<script>alert(1)</script>' & echo \"x\""
EVIL_REPR = "<script>alert(2)</script> & co"


def label(frame):
    if frame[0] == "python":
        return "%s:%d %s" % (frame[1], frame[3], frame[2])
    return "%s!%s+0x%x" % (frame[1], frame[2], frame[3] % 97)


def site_label(stack):
    return label([f for f in stack if f[0] == "python"][0]) + " [python]"


def types_at(i):
    return {"Broker": (10 + 100 * i, (10 + 100 * i) * 56),
            "traceback": (20 + 200 * i, (20 + 200 * i) * 64),
            "frame": (20 + 200 * i, (20 + 200 * i) * 400),
            "dict": (5000, 5000 * 232),
            WEIRD: (1 + 10 * i, (1 + 10 * i) * 40)}


AFTER = {"Broker": (260, 260 * 56), "traceback": (520, 520 * 64), "frame": (520, 520 * 400),
         "dict": (5000, 5000 * 232), WEIRD: (51, 51 * 40)}


def el(type_, via, label_, repr_, **kw):
    d = {"type": type_, "via": via, "label": label_, "repr": repr_}
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


EVIL_PATH = [el("dict", "root", "sys.modules", "sys.modules (114 modules)", refs=1),
             el("module", "key", "evil", "module 'evil'"),
             el(WEIRD, "global", "_x", EVIL_REPR)]
HOLDERS = {
    "objects": 17620, "edges": 34000, "roots": 911, "samples": 3, "graph_ms": 3.5, "search_ms": 4.75,
    "types": [
        {"name": "Broker", "why": "growth", "count": 510, "growth": 100, "examined": 4, "garbage": 0,
         "search_ms": 0.25,
         "paths": [broker_path(3), broker_path(50), broker_path(99), broker_path(4, "other")]},
        {"name": "frame", "why": "growth", "count": 1020, "growth": 200, "examined": 3, "garbage": 2,
         "search_ms": 0.125, "paths": [broker_path(5)[:-1]]},
        {"name": WEIRD, "why": "named", "count": 51, "growth": 10, "examined": 1, "garbage": 0,
         "search_ms": 0.125, "paths": [EVIL_PATH]},
    ]}
# The groups a reader should see: (type, instances, path)
GROUPS = [("Broker", 3, broker_path(3)), ("Broker", 1, broker_path(4, "other")),
          ("frame", 1, broker_path(5)[:-1]), (WEIRD, 1, EVIL_PATH)]


def write_series(directory):
    os.makedirs(directory, exist_ok=True)
    paths = []
    for i in range(COUNT):
        s = Snap(pid=5151, seq=i + 1, uptime=60 + HOUR * i, cmdline=CMDLINE)
        s.add(LEAK, 10 * MiB + 3 * MiB * i, live_blocks=1000 + 300 * i)
        plateau = [0, 4, 8, 12, 12, 12][i]
        if plateau:
            s.add(PLATEAU, plateau * MiB, live_blocks=plateau * 16)
        for n, st in enumerate(NOISE):
            s.add(st, MiB + NOISE_KIB[(i + n) % 3 + (i // 3) * 3] * KiB, live_blocks=100)
        s.add(SHRINK, (6 - i) * MiB, live_blocks=10)
        after = AFTER if i == COUNT - 1 else None
        s.python = census(types_at(i), gc_collections=(100 * i, 10 * i, i), after=after,
                          collected=1250 if after else 0)
        if i == COUNT - 1:
            s.python["holders"] = HOLDERS
        paths.append(s.write(directory))
    return paths


# ---- a small DOM from chromium's --dump-dom ----------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def all(self, tag=None):
        for c in self.children:
            if isinstance(c, Node):
                if tag is None or c.tag == tag:
                    yield c
                yield from c.all(tag)

    def kids(self, tag=None):
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]


class Builder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", [], None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def dom_of(text):
    b = Builder()
    b.feed(text)
    b.close()
    return b.root


def browse(path, what):
    """chromium's DOM of file path (its serialization), or None."""
    prof = tempfile.mkdtemp(dir=tmp)
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--user-data-dir=" + prof, "--dump-dom", "file://" + path]
    # HOME and XDG too: chromium keeps crash-report settings and dconf there
    env = dict(os.environ, HOME=prof, XDG_CONFIG_HOME=prof, XDG_CACHE_HOME=prof)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    except subprocess.TimeoutExpired:
        check(False, "%s: chromium did not finish in 120 s" % what)
        return None
    shutil.rmtree(prof, ignore_errors=True)
    if not check(p.returncode == 0 and "<body" in p.stdout,
                 "%s: chromium exit %d, stderr: %s" % (what, p.returncode, p.stderr[-500:])):
        return None
    return p.stdout


INNER = ("<script>var t = document.body.innerText; var p = document.createElement('pre');"
         "p.id = 'ccx-innertext'; p.textContent = t; document.body.appendChild(p);</script>")


def inner_text(path, what):
    """The page's innerText: a copy of the report with one script that
    writes it into the page, then --dump-dom."""
    doc = open(path).read()
    cut = doc.rfind("</body>")
    copy = path + ".innertext.html"
    with open(copy, "w") as f:
        f.write((doc[:cut] if cut >= 0 else doc) + INNER + "</body></html>\n")
    out = browse(copy, what + " (innerText)")
    if out is None:
        return ""
    pres = [n for n in dom_of(out).all("pre") if n.attrs.get("id") == "ccx-innertext"]
    return pres[0].text() if pres else ""


def run(*args, rc=0):
    p = subprocess.run([tool] + [str(a) for a in args], capture_output=True, text=True)
    check(p.returncode == rc, "%s: exit %d, want %d; stderr: %s" % (" ".join(map(str, args)), p.returncode, rc,
                                                                 p.stderr.strip()))
    return p


# ---- reading the report's parts ---------------------------------------------


def body_of(dom):
    b = list(dom.all("body"))
    return b[0] if b else Node("body", [], None)


def section(body, title):
    """The nodes after the <h2> whose text starts with title, up to the next <h2>."""
    out, inside = [], False
    for c in body.children:
        if isinstance(c, Node) and c.tag == "h2":
            inside = c.text().strip().startswith(title)
            continue
        if inside:
            out.append(c)
    return out


def within(nodes, tag):
    for n in nodes:
        if isinstance(n, Node):
            if n.tag == tag:
                yield n
            yield from n.all(tag)


def rows_of(table):
    """[[cell text...]...] of a table, header row first."""
    return [[c.text().strip() for c in tr.kids() if c.tag in ("td", "th")] for tr in table.all("tr")]


def table_headed(nodes, first):
    return [t for t in within(nodes, "table") if rows_of(t) and rows_of(t)[0][:len(first)] == first]


def size_of(s):
    """'+390.6 KiB' -> bytes (float), None when not a size."""
    m = re.fullmatch(r"([+-]?[0-9.]+) (B|KiB|MiB|GiB)", s)
    if not m:
        return None
    return float(m.group(1)) * {"B": 1, "KiB": KiB, "MiB": MiB, "GiB": 1 << 30}[m.group(2)]


def near(s, want):
    v = size_of(s)
    return v is not None and abs(v - want) <= max(0.06 * KiB, abs(want) * 0.001)


def count(v, sign=False):
    return ("+" if sign and v >= 0 else "") + "{:,}".format(v)


# ---- checks ------------------------------------------------------------------


def check_census(py_nodes, what, ia, ib, after):
    t = table_headed(py_nodes, ["type", "objects", "change", "bytes change"])
    if not check(len(t) == 1, "%s: the census is not one <table> with the header type, objects, change, bytes change"
                 % what):
        return
    rows = rows_of(t[0])
    a, b = types_at(ia), types_at(ib)
    changed = sorted((n for n in b if b[n] != a[n]), key=lambda n: -(b[n][1] - a[n][1]))
    got = {r[0]: r for r in rows[1:]}
    check(sorted(got) == sorted(changed), "%s: census rows %s, want one per changed type %s"
          % (what, sorted(got), sorted(changed)))
    check([r[0] for r in rows[1:]] == changed, "%s: census rows not largest growth first: %s" % (what, rows[1:]))
    for n in changed:
        r = got.get(n, [])
        if not check(len(r) >= 4, "%s: census row of %s: %s" % (what, n, r)):
            continue
        check(r[1] == count(b[n][0]) and r[2] == count(b[n][0] - a[n][0], True),
              "%s: %s objects %s change %s, want %s and %s" % (what, n, r[1], r[2], count(b[n][0]),
                                                               count(b[n][0] - a[n][0], True)))
        check(near(r[3], b[n][1] - a[n][1]), "%s: %s bytes change %s, want %d B" % (what, n, r[3], b[n][1] - a[n][1]))
        if after:
            gone_c, gone_b = b[n][0] - AFTER[n][0], b[n][1] - AFTER[n][1]
            check(len(r) == 6 and near(r[4], gone_b) and r[5] == count(gone_c),
                  "%s: %s reclaimable %s, want %d B and %d objects" % (what, n, r[4:], gone_b, gone_c))


def check_gc(py_nodes, what, ia, ib):
    t = table_headed(py_nodes, ["generation", "collections"])
    if not check(len(t) == 1, "%s: gc is not a <table> headed generation, collections" % what):
        return
    rows = {r[0]: r for r in rows_of(t[0])[1:]}
    per_gen = [100, 10, 1]
    for g in range(3):
        r = rows.get("gen%d" % g, [])
        c = per_gen[g] * (ib - ia)
        check(r[1:5] == [count(c, True), count(3 * c, True), ["10", "2", "1"][g], ["700", "10", "10"][g]],
              "%s: gc gen%d row %s, want collections %s collected %s" % (what, g, r, count(c, True),
                                                                       count(3 * c, True)))


def check_holders(py_nodes, what):
    lists = [ol for ol in within(py_nodes, "ol") if "path" in ol.attrs.get("class", "").split()]
    check(len(lists) == len(GROUPS), "%s: %d holder path lists, want %d" % (what, len(lists), len(GROUPS)))
    for ol, (tname, inst, path) in zip(lists, GROUPS):
        items = [li.text().strip() for li in ol.kids("li")]
        check(len(items) == len(path), "%s: %s path has %d items, want one per object (%d): %s"
              % (what, tname, len(items), len(path), items))
        for it, e in zip(items, path):
            check(e["repr"] in it, "%s: %s path item %r does not show %r" % (what, tname, it, e["repr"]))
        check(items and "root: " + path[0]["label"] in items[0], "%s: the root item does not name its root: %r"
              % (what, items[:1]))
        head = ol.parent.text() if ol.parent else ""
        check("%d of %d %s instances: held by" % (inst, [t for t in HOLDERS["types"] if t["name"] == tname][0]
                                                   ["examined"], tname) in head,
              "%s: the %s group does not say how many instances it holds" % (what, tname))
    txt = "".join(n.text() if isinstance(n, Node) else n for n in py_nodes)
    check("2 of 3 frame instances: cyclic garbage" in txt, "%s: frame garbage not shown" % what)
    check(any(n.text().startswith("Broker: 510 instances (+100 since the previous snapshot)")
              for n in within(py_nodes, "h4")), "%s: no heading for the Broker holders" % what)


def check_sites(body, what, stacked, noise_cols):
    nodes = section(body, "Top growing sites")
    heads = [h.text().strip() for h in within(nodes, "h3") if re.match(r"\d+\. ", h.text().strip())]
    want = ["%d. %s" % (i + 1, site_label(st)) for i, st in enumerate(stacked)]
    check(heads == want, "%s: sites with stacks %s, want %s" % (what, heads, want))
    pres = list(within(nodes, "pre"))
    check(len(pres) == len(stacked), "%s: %d stack blocks, want %d (steady and stopped only)"
          % (what, len(pres), len(stacked)))
    for pre, st in zip(pres, stacked):
        lines = pre.text().strip("\n").split("\n")
        check(lines == [label(f) for f in st], "%s: stack of %s is not whole:\n%s" % (what, site_label(st), lines))
    t = table_headed(nodes, noise_cols)
    if not check(len(t) == 1, "%s: the noise sites are not one table headed %s" % (what, noise_cols)):
        return
    rows = rows_of(t[0])[1:]
    check(sorted(r[0] for r in rows) == sorted(site_label(st) for st in NOISE),
          "%s: noise rows %s, want the seven noise sites" % (what, [r[0] for r in rows]))
    for r in rows:
        st = [s for s in NOISE if site_label(s) == r[0]]
        check(st and r[1] == label(st[0][0]), "%s: noise row %s: allocated in %r" % (what, r[0], r[1]))
        check(r[2].startswith("+"), "%s: noise row %s grows: %r" % (what, r[0], r[2]))
    shown = "".join(p.text() for p in pres)
    check("/app/noise" not in shown and "/app/shrink.py" not in shown, "%s: a noise or shrinking stack shown" % what)
    check("/app/shrink.py" not in "".join(str(r) for r in rows), "%s: the shrinking site listed as growth" % what)


def check_text(page, what, py_start):
    """innerText: the Python section is lines, not one line."""
    i = page.find(py_start)
    if not check(i >= 0, "%s: innerText has no %r" % (what, py_start)):
        return
    lines = page[i:].split("\n")
    longest = max(len(x) for x in lines)
    check(longest <= 300, "%s: the Python section has a line of %d characters" % (what, longest))
    check(any(x.startswith("frame\t1,020\t+1,000\t+390.6 KiB") for x in lines),
          "%s: no census line 'frame<TAB>1,020<TAB>+1,000<TAB>+390.6 KiB'" % what)
    check(any(x.strip().startswith("._errors") and x.rstrip().endswith("list of 300 items") for x in lines),
          "%s: a holder path step is not a line of its own" % what)


def check_escaped(dom, text, what):
    check(not list(dom.all("script")), "%s: a <script> element in the report" % what)
    check(CMDLINE in text.replace("\n", " "), "%s: the command line does not read as written" % what)
    check(EVIL_REPR in text and WEIRD in text, "%s: the odd names do not read as written" % what)


snaps = write_series(os.path.join(tmp, "snaps"))
rep = os.path.join(tmp, "trend.html")
run("report", *snaps, "--format", "html", "-o", rep)
with open(rep) as f:
    check("<script" not in f.read(), "trend: the report has a <script>")
out = browse(rep, "trend")
if out is not None:
    dom = dom_of(out)
    body = body_of(dom)
    pyn = section(body, "Python objects and gc")
    check_census(pyn, "trend", 0, COUNT - 1, True)
    check_gc(pyn, "trend", 0, COUNT - 1)
    check_holders(pyn, "trend")
    check_sites(body, "trend", [LEAK, PLATEAU], ["site", "allocated in", "rate", "±", "fit R²", "now"])
    check_escaped(dom, body.text(), "trend")
    check_text(inner_text(rep, "trend"), "trend", "Python objects and gc")

# two snapshots: a diff (the steady leak is significant; the plateau, 4 -> 12 MiB, too)
rep2 = os.path.join(tmp, "diff.html")
run("report", snaps[1], snaps[COUNT - 1], "--format", "html", "-o", rep2)
out = browse(rep2, "diff")
if out is not None:
    body = body_of(dom_of(out))
    pyn = section(body, "Python objects and gc")
    check_census(pyn, "diff", 1, COUNT - 1, True)
    check_gc(pyn, "diff", 1, COUNT - 1)
    check_holders(pyn, "diff")
    check_sites(body, "diff", [LEAK, PLATEAU], ["site", "allocated in", "change", "±", "now"])

# one snapshot: what is live, every site with its stack, the holders
rep1 = os.path.join(tmp, "one.html")
run("report", snaps[COUNT - 1], "--format", "html", "-o", rep1)
out = browse(rep1, "one snapshot")
if out is not None:
    body = body_of(dom_of(out))
    check_holders(section(body, "Python objects and gc"), "one snapshot")
    pres = list(within(section(body, "Top sites"), "pre"))
    check(len(pres) == 2 + len(NOISE) + 1, "one snapshot: %d stacks, want every live site's (%d)"
          % (len(pres), 2 + len(NOISE) + 1))

# Markdown shares the site code: the same split
md = run("report", *snaps).stdout
noise_md = md[md.find("### Other sites that grew: noise"):md.find("## Flame graph")]
check(md.count("\n### ") == 3, "markdown: not two sites with stacks and one noise table")
check(len([x for x in noise_md.split("\n") if x.startswith("| `/app/noise")]) == len(NOISE),
      "markdown: the noise table does not have the seven noise sites:\n%s" % noise_md)
check("/app/noise0.py:101" not in md, "markdown: a noise site's stack is shown")

finish()
