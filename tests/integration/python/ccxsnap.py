"""ccxsnap.py - helpers for the Python layer's integration tests, imported
by the workload scripts that run under the tracer.

Finds the tracer loaded in this process (libccxtrace.so, or the Python
layer's development harness), waits until its PyMem hooks are installed,
takes snapshots and reads them back into one normalised shape:
site = {"layer", "live_bytes", "live_samples", "frames": [frame dicts]}.
Works on every CPython 3.9-3.13; uses only the standard library."""
import ctypes
import glob
import itertools
import json
import os
import sys
import time

_libc = ctypes.CDLL(None)


class _Alloc(ctypes.Structure):
    _fields_ = [("ctx", ctypes.c_void_p), ("malloc", ctypes.c_void_p),
                ("calloc", ctypes.c_void_p), ("realloc", ctypes.c_void_p),
                ("free", ctypes.c_void_p)]


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def obj_allocator_owner():
    """Path of the shared object whose function serves the OBJ domain."""
    a = _Alloc()
    ctypes.pythonapi.PyMem_GetAllocator(2, ctypes.byref(a))
    info = _DlInfo()
    _libc.dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)]
    if not _libc.dladdr(ctypes.c_void_p(a.malloc), ctypes.byref(info)):
        return ""
    return (info.dli_fname or b"").decode()


def wait_ready(timeout=10.0):
    """Wait until the tracer's PyMem hooks serve the OBJ domain."""
    end = time.time() + timeout
    while time.time() < end:
        owner = obj_allocator_owner()
        if "ccxtrace" in owner or "pyharness" in owner:
            # The frame walker is enabled in the same GIL section.
            return
        time.sleep(0.02)
    fail("the tracer did not install its PyMem hooks within %.0fs (OBJ allocator: %s)"
         % (timeout, obj_allocator_owner()))


def _snap_dir():
    return os.environ.get("CCXTRACE_DIR") or os.environ.get("HARNESS_DIR") or "."


def snapshot(label, timeout=30.0):
    """Take a snapshot and return it parsed."""
    return load(snapshot_path(label, timeout))


def load(path):
    """A snapshot file, parsed."""
    with open(path) as fh:
        d = json.load(fh)
    if "format" in d:   # a tracer's file, which ccx-analyze reads (the harness's is smaller)
        d["_path"] = path
    return d


def snapshot_path(label, timeout=30.0):
    """Take a snapshot and return its file's path (parse it later with
    load(): reading it allocates, which a measurement may not want)."""
    if hasattr(_libc, "harness_snapshot"):
        f = _libc.harness_snapshot
        f.argtypes = [ctypes.c_char_p]
        seq = f(label.encode())
        return os.path.join(_snap_dir(), "snap.%d.%d.json" % (os.getpid(), seq))
    f = _libc.ccxtrace_snapshot
    f.argtypes = [ctypes.c_char_p]
    f.restype = ctypes.c_long
    seq = f(label.encode())
    if seq < 0:
        fail("ccxtrace_snapshot returned %d (tracing off?)" % seq)
    global _prefix
    if _prefix is not None and _prefix[0] == os.getpid():   # a forked child learns its own
        # The name is known: wait without allocating (see wait_file).
        path = _prefix[1] + "%d.json" % seq
        if not wait_file(os.fsencode(path), timeout):
            fail("no snapshot file %s after %.0fs" % (path, timeout))
        return path
    pattern = os.path.join(_snap_dir(), "ccxtrace.*.%d.*.%d.json" % (os.getpid(), seq))
    end = time.time() + timeout
    while time.time() < end:
        found = glob.glob(pattern)
        if found:
            _prefix = (os.getpid(), found[0][:-len("%d.json" % seq)])
            return found[0]
        time.sleep(0.02)
    fail("no snapshot file %s after %.0fs" % (pattern, timeout))


# The snapshot file name's part before the sequence number
# (DIR/ccxtrace.HOST.PID.START.), learned from the first file found: the
# later waits then look for one exact name, allocating nothing.  Kept with
# the pid it belongs to: a forked child's files have names of their own.
_prefix = None
_POLL_S = 0.02


def wait_file(path, timeout):
    """Wait until the file PATH (bytes) exists; False after TIMEOUT seconds.
    Allocates nothing per poll: os.access on a bytes path and time.sleep of
    a constant create no object, and the loop counts iterations instead of
    reading a clock.  A measurement that spans a snapshot request so counts
    none of this wait, whose length varies with the machine's load (a glob
    per poll made some 15 allocations, ~2,000 in a slow `all`-mode write)."""
    access, f_ok, sleep = os.access, os.F_OK, time.sleep
    for _ in itertools.repeat(None, int(timeout / _POLL_S) + 1):
        if access(path, f_ok):
            return True
        sleep(_POLL_S)
    return False


def sites(snap):
    """The snapshot's sites with their frames inlined (leaf first)."""
    if snap.get("stacks") is None:   # the harness inlines frames already
        return snap["sites"]
    frames = {f["id"]: f for f in snap.get("frames", [])}
    stacks = {s["id"]: [frames[i] for i in s["frames"]] for s in snap.get("stacks", [])}
    out = []
    for s in snap["sites"]:
        d = dict(s)
        d["frames"] = stacks.get(s["stack"], [])
        out.append(d)
    return out


def py_frames(site):
    return [f for f in site["frames"] if "function" in f and f.get("kind", "python") == "python"]


def leaf_line(site):
    """(file basename, function, line) of the leaf-most Python frame, or None."""
    fr = py_frames(site)
    if not fr:
        return None
    f = fr[0]
    return (os.path.basename(f["file"] or "?"), f["function"], f["line"])


def by_leaf_line(snap):
    """live bytes per leaf-most Python line."""
    acc = {}
    for s in sites(snap):
        k = leaf_line(s)
        if k is not None:
            acc[k] = acc.get(k, 0.0) + s["live_bytes"]
    return acc


def diff_by_line(old, new):
    a, b = by_leaf_line(old), by_leaf_line(new)
    return sorted(((b.get(k, 0.0) - a.get(k, 0.0), k) for k in set(a) | set(b)), reverse=True)


def types(snap, key="types"):
    py = snap.get("python") or {}
    return {t["name"]: t for t in py.get(key) or []}


def analyze(*args):
    """Run ccx-analyze (path in $CCX_ANALYZE) with --format json; None when
    the analyzer is not available."""
    exe = os.environ.get("CCX_ANALYZE")
    if not exe or not os.path.exists(exe):
        return None
    import subprocess
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)     # the analyzer is not the traced program
    r = subprocess.run([exe] + [str(a) for a in args] + ["--format", "json"], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode not in (0, 1):
        fail("ccx-analyze %s failed (exit %d): %s" % (" ".join(map(str, args)), r.returncode, r.stderr.strip()))
    return json.loads(r.stdout)


def lineno_of(marker, path=None):
    """Line number of the first line containing marker in path (default: caller's file)."""
    if path is None:
        path = sys._getframe(1).f_code.co_filename
    with open(path) as fh:
        for i, line in enumerate(fh, 1):
            if marker in line and "lineno_of(" not in line:
                return i
    fail("marker %r not found in %s" % (marker, path))
