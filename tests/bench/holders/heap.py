"""heap.py N - a Python heap of about N gc-tracked objects (N lists in one
big list, each referring to a shared list too: about 2N edges), a few
leaked Brokers kept by a module-level list, then a snapshot through
libccxtrace.so.  Prints one line: objects, holders graph and total search
time from the snapshot, the census time, and gc.collect() timed in the same
process on the same heap (the baseline: a full collection also traverses
every tracked object)."""
import ctypes
import gc
import glob
import json
import os
import sys
import time

N = int(sys.argv[1])
errors = []


class Broker(object):
    def __init__(self):
        self.exceptions = []


def leak():
    b = Broker()
    try:
        raise ValueError("x")
    except ValueError as ex:
        b.exceptions.append(ex)
        errors.append(ex)


shared = [[]]
heap = [[i, shared] for i in range(N)]
for i in range(50):
    leak()
gc.collect()
t0 = time.perf_counter()
gc.collect()
collect_ms = (time.perf_counter() - t0) * 1e3
lib = ctypes.CDLL(None)
lib.ccxtrace_snapshot.restype = ctypes.c_long
lib.ccxtrace_snapshot.argtypes = [ctypes.c_char_p]
seq = lib.ccxtrace_snapshot(b"bench")
if seq < 0:
    print("ccxtrace_snapshot returned %d" % seq)
    sys.exit(1)
pattern = os.path.join(os.environ["CCXTRACE_DIR"], "ccxtrace.*.%d.*.%d.json" % (os.getpid(), seq))
end = time.time() + 120
while not glob.glob(pattern) and time.time() < end:
    time.sleep(0.05)
files = glob.glob(pattern)
if not files:
    print("no snapshot")
    sys.exit(1)
with open(files[0]) as f:
    py = json.load(f).get("python") or {}
h = py.get("holders")
if not h or "types" not in h:
    print("no python.holders in the snapshot (%s)" % (h or {}).get("error", "absent"))
    sys.exit(1)
b = [t for t in h["types"] if t["name"] == "Broker"]
ok = b and b[0]["examined"] > 0 and b[0]["garbage"] == 0 and b[0]["paths"]
print("%9d objects %9d edges  graph %7.1f ms  search %7.1f ms  census %7.1f ms  gc.collect() %7.1f ms  "
      "search/collect %5.2fx  %s"
      % (h["objects"], h["edges"], h["graph_ms"], h["search_ms"], py.get("census_ms", 0), collect_ms,
         h["search_ms"] / collect_ms if collect_ms else 0, "paths ok" if ok else "PATHS MISSING"))
