"""pipeline.py - the demo service's processing: archive -> Broker -> components.

A small stand-in for what a ccx-messaging worker does with one Insights
Operator archive: extract it, parse its files, and run insights-style
components (parsers, a combiner, rules) through a Broker that records each
component's result and every exception, the way insights-core's
`Broker.add_exception` does: the exception object itself is kept, and with
it its `__traceback__`, whose frames (the run loop's and the failing
component's) pin their locals: the Broker and everything the component had
built.  That is the cycle the CCX services were suspected of:

    Broker -> exceptions -> ex.__traceback__ -> frame of run_components -> Broker

Modes (see service.py and docs/scripts.md):
    leaky   the cycle plus a stray reference (an unbounded list of recent
            failures kept for an error page): every Broker stays reachable.
    cyclic  only the cycle: each Broker becomes cyclic garbage that only a
            gc collection of the oldest generation frees.
    fixed   add_exception clears the traceback (as the upstream fix does):
            no cycle, a Broker is freed by reference counting.

Standard library only; runs on every CPython 3.9-3.13.
"""

import io
import json
import os
import tarfile
import tempfile
import traceback
import weakref

MODES = ("leaky", "cyclic", "fixed")

# Rows of report detail the operator-conditions rule renders per archive:
# about 0.3 KiB each, so by default about 150 KiB per upload that a kept
# traceback pins (service.py --detail-rows).
DEFAULT_DETAIL_ROWS = 512

# Every live Broker, for the service's /status page (weak: never keeps one).
LIVE_BROKERS = weakref.WeakSet()


class Broker:
    """Holds component results and failures, like insights-core's Broker."""

    def __init__(self, mode="leaky"):
        self.mode = mode
        self.instances = {}
        self.exceptions = {}
        self.tracebacks = {}
        self.missing = {}
        LIVE_BROKERS.add(self)

    def __contains__(self, component):
        return component in self.instances

    def __getitem__(self, component):
        return self.instances[component]

    def __setitem__(self, component, value):
        self.instances[component] = value

    def add_exception(self, component, ex, tb=None):
        """Record a component's failure.  Like insights-core, the exception
        object is kept (its formatted traceback beside it); in the fixed
        mode its __traceback__ is cleared first, so its frames, and through
        them this Broker, are not pinned."""
        if self.mode == "fixed":
            ex.__traceback__ = None
        self.exceptions.setdefault(component, []).append(ex)
        self.tracebacks[ex] = tb


class ComponentError(Exception):
    """A component met content it cannot handle."""


class Component:
    """A named function with dependencies, run by run_components()."""

    def __init__(self, func, deps):
        self.func = func
        self.deps = tuple(deps)
        self.name = func.__name__

    def __call__(self, *args):
        return self.func(*args)

    def __repr__(self):
        return "<component %s>" % self.name


# The root component: the extracted archive, {relative path: content}.
ARCHIVE = Component(lambda: None, ())
ARCHIVE.name = "archive"

COMPONENTS = []   # in dependency order (each is registered after its deps)


def component(*deps):
    def register(func):
        comp = Component(func, deps)
        COMPONENTS.append(comp)
        return comp
    return register


# ---- parsers -----------------------------------------------------------------

@component(ARCHIVE)
def cluster_id(archive):
    text = archive.get("config/id")
    if not isinstance(text, str) or len(text.strip()) != 36:
        raise ComponentError("config/id does not hold a cluster UUID")
    return text.strip()


@component(ARCHIVE)
def cluster_version(archive):
    doc = archive.get("config/version.json")
    if not isinstance(doc, dict):
        raise ComponentError("config/version.json missing or not an object")
    status = doc.get("status") or {}
    desired = status.get("desired") or doc.get("spec", {}).get("desiredUpdate") or {}
    history = status.get("history") or []
    return {"version": desired.get("version") or doc.get("version") or "unknown",
            "channel": (doc.get("spec") or {}).get("channel"),
            "history": [h.get("version") for h in history if isinstance(h, dict)]}


@component(ARCHIVE)
def infrastructure(archive):
    doc = archive.get("config/infrastructure.json")
    if not isinstance(doc, dict):
        raise ComponentError("config/infrastructure.json missing or not an object")
    status = doc.get("status") or {}
    return {"platform": status.get("platform") or (status.get("platformStatus") or {}).get("type"),
            "api": status.get("apiServerURL")}


@component(ARCHIVE)
def cluster_operators(archive):
    operators = []
    for path in sorted(archive):
        if not path.startswith("config/clusteroperator/") or not path.endswith(".json"):
            continue
        doc = archive[path]
        if not isinstance(doc, dict):
            continue
        name = (doc.get("metadata") or {}).get("name") or os.path.basename(path)[:-5]
        conds = [c for c in (doc.get("status") or {}).get("conditions") or []
                 if isinstance(c, dict)]
        operators.append((name, conds))
    if not operators:
        raise ComponentError("no config/clusteroperator/*.json in the archive")
    return operators


@component(ARCHIVE)
def gather_stats(archive):
    doc = archive.get("insights-operator/gathers.json")
    if doc is None:
        raise ComponentError("insights-operator/gathers.json missing")
    gatherers = doc.get("gatherers", []) if isinstance(doc, dict) else doc
    errors = sum(1 for g in gatherers if isinstance(g, dict) and g.get("errors"))
    return {"gatherers": len(gatherers), "with_errors": errors}


# ---- combiner ----------------------------------------------------------------

@component(cluster_id, cluster_version, infrastructure)
def cluster_info(cid, version, infra):
    return {"id": cid, "version": version["version"], "platform": infra["platform"]}


# ---- rules -------------------------------------------------------------------

DETAIL_ROWS = [DEFAULT_DETAIL_ROWS]   # set by configure()

# Versions with a known upgrade graph.  The demo's archives carry none of
# these, so the rule below fails for every archive, after it has built its
# report details: the way a rule meets content it cannot handle.
KNOWN_UPGRADE_GRAPHS = {"0.0.0-demo": ()}


# One rendered row of report detail: about 0.3 KiB of text.
DETAIL_FORMAT = "row %5d  %-32s %-20s %-8s cluster %s  version %-12s  %-160s"


@component(cluster_info, cluster_operators)
def operator_conditions(info, operators):
    rows = [(name, str(c.get("type")), str(c.get("status")), info["id"], info["version"],
             str(c.get("message", ""))[:160]) for name, cs in operators for c in cs]
    rows = rows or [(operators[0][0], "-", "-", info["id"], info["version"], "")]
    details = [DETAIL_FORMAT % ((i,) + rows[i % len(rows)]) for i in range(DETAIL_ROWS[0])]
    graph = KNOWN_UPGRADE_GRAPHS.get(info["version"])
    if graph is None:
        raise ComponentError("no upgrade graph for version %s (%d detail rows)"
                             % (info["version"], len(details)))
    return {"rows": len(details), "graph": graph}


@component(gather_stats)
def gather_failures(stats):
    if stats["with_errors"] > stats["gatherers"]:
        raise ComponentError("more failing gatherers than gatherers")
    return stats["with_errors"]


# ---- running -----------------------------------------------------------------

def run_components(broker, components=None):
    """Run every component whose dependencies succeeded; record failures."""
    for comp in COMPONENTS if components is None else components:
        missing = [d for d in comp.deps if d not in broker]
        if missing:
            broker.missing[comp] = missing
            continue
        try:
            broker[comp] = comp(*[broker[d] for d in comp.deps])
        except Exception as ex:
            broker.add_exception(comp, ex, traceback.format_exc())
    return broker


def _safe_members(tar):
    """Regular files and directories with relative paths that stay inside."""
    for m in tar.getmembers():
        name = m.name
        if name.startswith("/") or ".." in name.split("/"):
            continue
        if m.isfile() or m.isdir():
            yield m


def extract(data, workdir):
    """Extract a gzip tar (bytes) into workdir; parse its files.
    Returns {relative path: parsed JSON, or text for other small files}."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        members = list(_safe_members(tar))
        if hasattr(tarfile, "data_filter"):
            tar.extractall(workdir, members=members, filter="data")
        else:
            tar.extractall(workdir, members=members)
    files = {}
    for root, _dirs, names in os.walk(workdir):
        for name in names:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, workdir).replace(os.sep, "/")
            # archives may carry a leading directory: keep from config/ or insights-operator/
            for anchor in ("config/", "insights-operator/"):
                i = rel.find(anchor)
                if i > 0 and rel[i - 1] == "/":
                    rel = rel[i:]
                    break
            with open(full, "rb") as f:
                raw = f.read()
            if name.endswith(".json"):
                try:
                    files[rel] = json.loads(raw.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    files[rel] = None
            elif len(raw) <= 4096:
                files[rel] = raw.decode("utf-8", "replace")
    return files


def process_archive(data, mode="leaky", tmpdir=None):
    """Extract one archive and run the components; returns the Broker."""
    broker = Broker(mode)
    with tempfile.TemporaryDirectory(prefix="ccx-demo-", dir=tmpdir) as work:
        broker[ARCHIVE] = extract(data, work)
    # The raw archive is not needed any more.  (A kept traceback pins this
    # frame too, through the run loop's f_back, with whatever it still holds.)
    del data
    run_components(broker)
    del broker.instances[ARCHIVE]   # parsers keep what they need
    return broker


def configure(detail_rows=None):
    if detail_rows is not None:
        DETAIL_ROWS[0] = int(detail_rows)
