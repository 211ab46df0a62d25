"""wl_subinterp.py - allocations made inside a sub-interpreter carry that
interpreter's frames (or a marker frame), never the main interpreter's.

A sub-interpreter runs code compiled under the file name
"subinterp_work.py" (function work, line SUB_LINE) that keeps N lists of
known size alive in its own __main__; the main interpreter keeps its own N
lists at LINE-MAIN.  The sub-interpreter runs twice: from the main thread
(exec / run_string) and from a second thread while the main thread
allocates at the same time.  Per interpreter configuration the module
offers: the legacy shared-GIL one (3.9-3.13) and, from 3.12, the isolated
one with a GIL of its own.

Checks on one snapshot taken while both interpreters keep their blocks:
  - no stack holds frames of both subinterp_work.py and this file (the
    wrong interpreter's frames under the right one's, or instead of them);
  - the sub-interpreter's kept bytes are charged to work() at SUB_LINE
    (or to a frame marking another interpreter) within the sampling
    tolerance, and not to the main interpreter's calling lines;
  - the main interpreter's kept bytes are charged to LINE-MAIN;
  - the census names the interpreter it covers: the main one.
Ground truth: sys.getsizeof of the kept lists, measured in each
interpreter itself."""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ccxsnap  # noqa: E402

N = 4000
ITEMS = 60
SUB_FILE = "subinterp_work.py"
SUB_LINE = 4
MARKER = "<other interpreter>"
SUB_SRC = """\
kept = globals().get("kept", [])   # both runs keep theirs
def work(n, items):
    for i in range(n):
        kept.append([i] * items)
work(%d, %d)
import sys
sub_bytes = sum(sys.getsizeof(x) for x in kept)
""" % (N, ITEMS)

kept = []


def sub_api():
    """(module, create(config) -> id, run(id, source)) or None."""
    try:
        import _interpreters as m           # 3.13
        code = compile(SUB_SRC, SUB_FILE, "exec")

        def create(cfg):
            return m.create(cfg)

        def run(i, src):
            err = m.exec(i, code)
            if err is not None:
                ccxsnap.fail("sub-interpreter failed: %r" % (err,))
        return m, create, run
    except ImportError:
        pass
    try:
        import _xxsubinterpreters as m      # 3.9-3.12
    except ImportError:
        return None

    def create(cfg):
        if sys.version_info >= (3, 12):
            return m.create(isolated=(cfg == "isolated"))
        return m.create()

    def run(i, src):
        # run_string compiles with file name "<string>": exec our own
        # compiled code object so the frames name SUB_FILE.
        m.run_string(i, "exec(compile(%r, %r, 'exec'))" % (src, SUB_FILE))
    return m, create, run


def main_alloc(n):
    for i in range(n):
        kept.append([i, i] * (ITEMS // 2))  # LINE-MAIN


def bytes_where(snap, pred):
    return sum(s["live_bytes"] for s in ccxsnap.sites(snap) if pred(ccxsnap.py_frames(s)))


def check(snap, subs, main_bytes):
    me = os.path.basename(__file__)
    mixed = []
    for s in ccxsnap.sites(snap):
        files = {os.path.basename(f.get("file") or "") for f in ccxsnap.py_frames(s)}
        if SUB_FILE in files and me in files:
            mixed.append([(f.get("file"), f.get("function"), f.get("line"))
                          for f in ccxsnap.py_frames(s)])
    line_main = ccxsnap.lineno_of("# LINE-MAIN")
    at_sub = bytes_where(snap, lambda fr: fr and (
        (fr[0].get("file") == SUB_FILE and fr[0].get("line") == SUB_LINE) or
        any(f.get("function") == MARKER for f in fr)))
    at_main = bytes_where(snap, lambda fr: fr and fr[0].get("line") == line_main and
                          os.path.basename(fr[0].get("file") or "") == me)
    want_sub = sum(subs)
    print("  sub-interpreters kept %d bytes; charged to work():%d %d" % (want_sub, SUB_LINE, at_sub))
    print("  main kept %d bytes; charged to LINE-MAIN %d" % (main_bytes, at_main))
    print("  stacks mixing both interpreters' frames: %d" % len(mixed))
    if mixed:
        ccxsnap.fail("stacks mix the frames of two interpreters: %s" % mixed[:2])
    if abs(at_sub - want_sub) > 0.1 * want_sub:
        ccxsnap.fail("sub-interpreter bytes at its own line: %d, expected %d within 10%%"
                     % (at_sub, want_sub))
    if abs(at_main - main_bytes) > 0.1 * main_bytes:
        ccxsnap.fail("main bytes at LINE-MAIN: %d, expected %d within 10%%" % (at_main, main_bytes))
    interp = (snap.get("python") or {}).get("interpreter")
    print("  census interpreter: %r" % (interp,))
    if not interp or interp.get("main") is not True or interp.get("id") != 0:
        ccxsnap.fail("the census does not say it covers the main interpreter: %r" % (interp,))


def run_config(api, cfg):
    m, create, run = api
    try:
        iid = create(cfg)
    except Exception as e:  # noqa: BLE001
        print("  skip config %s: %s" % (cfg, e))
        return None
    run(iid, SUB_SRC)
    # A second run from another thread, the main thread allocating meanwhile.
    t = threading.Thread(target=run, args=(iid, SUB_SRC))
    t.start()
    main_alloc(N)
    t.join()
    return iid


def sub_bytes(api, iid):
    """the sub-interpreter's kept bytes, as it measured them itself."""
    m = api[0]
    r, w = os.pipe()
    src = "import os\nos.write(%d, str(sub_bytes).encode())\n" % w
    if hasattr(m, "exec"):
        m.exec(iid, src)
    else:
        m.run_string(iid, src)
    os.close(w)
    v = int(os.read(r, 64))
    os.close(r)
    return v


def main():
    api = sub_api()
    if api is None:
        print("skip: no sub-interpreter module in %s" % sys.version.split()[0])
        return
    ccxsnap.wait_ready()
    configs = ["legacy"]
    if sys.version_info >= (3, 12):
        configs.append("isolated")
    ids = []
    for cfg in configs:
        iid = run_config(api, cfg)
        if iid is not None:
            ids.append(iid)
            print("  ran config %s" % cfg)
    subs = [sub_bytes(api, i) for i in ids]
    main_bytes = sum(sys.getsizeof(x) for x in kept)
    snap = ccxsnap.snapshot("after")
    check(snap, subs, main_bytes)
    for i in ids:
        api[0].destroy(i)
    print("ok")


main()
