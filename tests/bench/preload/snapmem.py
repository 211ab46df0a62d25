"""snapmem.py - the tracer's extra peak memory while it writes a snapshot
(issue 16's benchmark), run under libccxtrace.so by bench_snapshot_memory.sh.

  snapmem.py gen MODDIR SITES           writes MODDIR/gen_sites.py and its .pyc
                                        (run untraced: compiling 100,000 lines
                                        traced in "all" mode takes minutes)
  snapmem.py DIR MODDIR OBJECTS SNAPSHOTS

Makes distinct allocation sites (one line each of gen_sites.make, every block
kept) and OBJECTS gc-tracked objects (empty lists, for the census), then
asks for SNAPSHOTS snapshots one after the other.  For each: VmRSS just
before, VmHWM reset (/proc/self/clear_refs) and read once the file is
there; the extra peak is VmHWM - VmRSS before.  Prints one line per
snapshot: label, extra peak MiB, write_ms, census_ms, holders.
"""
import ctypes
import gc
import glob
import json
import os
import sys
import time


def status_kb(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def main():
    if sys.argv[1] == "gen":
        path = os.path.join(sys.argv[2], "gen_sites.py")
        with open(path, "w") as f:
            f.write("def make(keep):\n")
            f.writelines("    keep.append(bytearray(%d))\n" % (16 + i % 7) for i in range(int(sys.argv[3])))
        import py_compile
        py_compile.compile(path)
        return 0
    d, objects, snaps = sys.argv[1], int(sys.argv[3]), int(sys.argv[4])
    sys.path.insert(0, sys.argv[2])
    import gen_sites
    keep = []
    gen_sites.make(keep)
    objs = [[] for _ in range(objects)]
    gc.collect()
    api = ctypes.CDLL(None).ccxtrace_snapshot
    api.restype = ctypes.c_int
    for k in range(snaps):
        time.sleep(0.3)
        rss = status_kb("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        seq = api(b"bench-%d" % (k + 1))  # the snapshot this one asked for (pressure may take others)
        t0 = time.monotonic()
        path = None
        while time.monotonic() - t0 < 120:
            found = glob.glob(os.path.join(d, "ccxtrace.*.%d.json" % seq))
            if found:
                path = found[0]
                break
            time.sleep(0.02)
        hwm = status_kb("VmHWM")
        s = json.load(open(path))
        py = s.get("python") or {}
        h = py.get("holders")
        print("snapshot %d: extra peak %.1f MiB (RSS before %.1f MiB), write_ms %.0f, census_ms %.0f, "
              "sites %d, holders %s" % (seq, (hwm - rss) / 1024, rss / 1024, s["tracer"]["write_ms"],
                                        py.get("census_ms", -1), len(s["sites"]),
                                        "none" if h is None else h.get("error", "searched")))
        sys.stdout.flush()
        del s, py, h  # the next snapshot must not see this program's copy of the last one
        gc.collect()
    return len(keep) + len(objs)


if __name__ == "__main__":
    main()
