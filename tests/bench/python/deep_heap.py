"""deep_heap.py - the heap bench_deep_census.sh measures: N gc-tracked
objects (default one million) holding about 2N objects the gc does not
track, then three snapshots; prints one line with the tracked census's
or the deep census's figures as the snapshots recorded them (median of
three), the census form and the peak RSS the first snapshot added.
  python deep_heap.py [N]          (run under libccxtrace.so)"""
import gc
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "integration", "python"))
import ccxsnap  # noqa: E402


class Rec(object):
    __slots__ = ("name", "blob")

    def __init__(self, name, blob):
        self.name = name
        self.blob = blob


def status_kib(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    ccxsnap.wait_ready()
    shared = []
    # n/2 instances with a str and a bytes each: n untracked
    recs = [Rec("record name %d" % i, b"payload %d" % i) for i in range(n // 2)]
    # n/4 lists of a str, a float and an int: 3n/4 untracked
    rows = [["row %d" % i, i * 0.5, 1000000 + i] for i in range(n // 4)]
    # n/4 dicts (tracked: one value is a list) with a str: n/4 untracked
    maps = [{"s": "map value %d" % i, "o": shared} for i in range(n // 4)]
    gc.collect()
    figures = []
    hwm_added = 0
    for k in range(3):
        if k == 0:
            try:
                with open("/proc/self/clear_refs", "w") as fh:
                    fh.write("5")   # resets VmHWM to the current RSS
            except OSError:
                pass
            rss = status_kib("VmRSS")
        snap = ccxsnap.load(ccxsnap.snapshot_path("bench%d" % k))
        if k == 0:
            hwm_added = max(0, status_kib("VmHWM") - rss)
        py = snap["python"]
        d = py.get("deep") or {}
        tracked = sum(t["count"] for t in py["types"])
        figures.append((py["census_ms"], d.get("deep_ms", 0.0), d.get("deep_cpu_ms", 0.0), d.get("memory_bytes", 0),
                        d.get("objects", 0), tracked, py.get("census_form", "?")))
    figures.sort()
    census_ms, deep_ms, deep_cpu, mem, objects, tracked, form = figures[1]
    print("form %-7s tracked %8d untracked %8d census_ms %6.1f deep_ms %6.1f deep_cpu_ms %6.1f "
          "deep_memory_MiB %4.1f peak_rss_added_MiB %4.1f" % (form, tracked, objects, census_ms, deep_ms, deep_cpu,
                                                               mem / 1048576.0, hwm_added / 1024.0))
    del recs, rows, maps


main()
