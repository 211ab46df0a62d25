"""ccxsnap.py - builds ccxtrace snapshots (DESIGN.md format, version 1) with
known contents for the analyzer's tests and benchmarks.

A Snap holds sites keyed by a symbolic stack (a tuple of frames, leaf
first); write() lays them out the way a tracer would: modules, frames and
stacks deduplicated and numbered, with raw addresses (module base, frame
offsets) derived from a per-run 'base' so that two runs of the same program
have the same symbols at different addresses.  It also writes fields the
analyzer does not know, which it must ignore.

As a program:  ccxsnap.py bench DIR SITES DEPTH [COUNT]  writes COUNT
(default 2) snapshots of SITES sites with stacks DEPTH frames deep.
"""
import json
import math
import os
import random
import sys

FORMAT = "ccxtrace-snapshot"


def py(file, function, line):
    return ("python", file, function, line)


def native(module, symbol, offset=0x100):
    return ("native", module, symbol, offset)


class Snap:
    def __init__(self, pid=4242, host="3f2a9c1d7e10", start=1795739900, seq=0,
                 uptime=0.0, exe="/usr/bin/python3.11", cmdline="python3 app.py",
                 mode="all", interval=0, base=0x7f0000000000, reason="signal", instance=None):
        self.pid, self.host, self.start, self.seq = pid, host, start, seq
        self.instance = instance  # "instance_id" (newer tracers); None: left out
        self.uptime, self.exe, self.cmdline = uptime, exe, cmdline
        self.mode, self.interval, self.base, self.reason = mode, interval, base, reason
        self.sites = []          # (stack, layer, live_bytes, live_blocks, live_samples)
        self.rss = None
        self.heap = None
        self.python = None
        self.totals = None
        self.time = None

    def add(self, stack, live_bytes, live_blocks=None, live_samples=None, layer="python"):
        if live_blocks is None:
            live_blocks = max(1, int(live_bytes // 64)) if live_bytes else 0
        if live_samples is None:
            live_samples = live_blocks
        self.sites.append((tuple(stack), layer, live_bytes, live_blocks, live_samples))

    def doc(self):
        modules, frames, stacks = {}, {}, {}
        mod_list, frame_list, stack_list, site_list = [], [], [], []
        t = self.time if self.time is not None else self.start + self.uptime
        for stack, layer, lb, lk, ls in self.sites:
            ids = []
            for f in stack:
                if f not in frames:
                    fid = len(frame_list)
                    frames[f] = fid
                    if f[0] == "python":
                        frame_list.append({"id": fid, "kind": "python", "file": f[1],
                                           "function": f[2], "line": f[3],
                                           "future_field": {"x": [1, 2]}})
                    else:
                        m = f[1]
                        if m not in modules:
                            mid = len(mod_list)
                            modules[m] = mid
                            mod_list.append({"id": mid, "path": "/usr/lib/x86_64-linux-gnu/" + m,
                                             "build_id": "%040x" % (hash(m) & (2**160 - 1)),
                                             "base": hex(self.base + mid * 0x1000000)})
                        mid = modules[m]
                        frame_list.append({"id": fid, "kind": "native", "module": mid,
                                           "offset": hex(f[3] + 0x1000 * (len(f[2]) % 7)),
                                           "symbol": f[2], "symbol_offset": f[3] % 97})
                ids.append(frames[f])
            key = tuple(ids)
            if key not in stacks:
                stacks[key] = len(stack_list)
                stack_list.append({"id": stacks[key], "frames": ids})
            site_list.append({"stack": stacks[key], "layer": layer, "live_bytes": int(lb),
                              "live_blocks": int(lk), "live_samples": int(ls),
                              "alloc_bytes": int(lb) * 2, "alloc_calls": int(lk) * 2,
                              "unknown_counter": 7})
        live = sum(s["live_bytes"] for s in site_list)
        blocks = sum(s["live_blocks"] for s in site_list)
        d = {
            "format": FORMAT, "version": 1, "host": self.host, "pid": self.pid,
            "start_time": self.start, "exe": self.exe, "cmdline": self.cmdline,
            "seq": self.seq, "reason": self.reason, "label": None,
            "time": "%sZ" % __import__("time").strftime("%Y-%m-%dT%H:%M:%S", __import__("time").gmtime(int(t))),
            "uptime_s": self.uptime,
            "sampling": {"mode": self.mode, "interval_bytes": self.interval},
            "totals": self.totals or {"alloc_calls": blocks * 2, "free_calls": blocks,
                                      "alloc_bytes": live * 2, "free_bytes": live,
                                      "live_bytes": live, "live_blocks": blocks},
            "tracer": {"self_bytes": 123456, "live_samples": sum(s["live_samples"] for s in site_list),
                       "stacks": len(stack_list), "write_ms": 1.5},
            "process": {"rss_bytes": self.rss if self.rss is not None else 50 * 2**20 + live,
                        "hwm_bytes": 0, "anon_bytes": 0, "vm_bytes": 0,
                        "heap": self.heap or {"arena": live, "uordblks": live, "hblkhd": 0,
                                              "fordblks": 0, "keepcost": 0},
                        "cgroup_memory_bytes": None},
            "a_future_section": {"nested": [{"deep": True}], "n": -5},
            "modules": mod_list, "frames": frame_list, "stacks": stack_list,
            "sites": site_list,
        }
        if self.python is not None:
            d["python"] = self.python
        if self.instance is not None:
            d["instance_id"] = self.instance
        return d

    def write(self, directory, name=None):
        if name is None:
            name = "ccxtrace.%s.%d.%d.%d.json" % (self.host, self.pid, self.start, self.seq)
            if self.instance is not None:  # two containers of one pod: same host, pid, start
                name = "ccxtrace.%s.%d.%d.%s.%d.json" % (self.host, self.pid, self.start, self.instance[:6], self.seq)
        path = os.path.join(directory, name)
        with open(path, "w") as f:
            json.dump(self.doc(), f)
        return path


def census(types, gc_collections=(0, 0, 0), after=None, collected=0):
    """types: {name: (count, bytes)}; after: same for after_collect."""
    p = {"version": "3.11.2",
         "gc": {"count": [10, 2, 1], "threshold": [700, 10, 10],
                "stats": [{"collections": c, "collected": c * 3, "uncollectable": 0}
                          for c in gc_collections]},
         "types": [{"name": n, "count": c, "bytes": b} for n, (c, b) in sorted(types.items())],
         "census_ms": 3.5}
    if after is not None:
        p["after_collect"] = {"collected": collected,
                              "types": [{"name": n, "count": c, "bytes": b}
                                        for n, (c, b) in sorted(after.items())]}
    return p


def poisson_estimate(rng, true_bytes, block, interval):
    """Sample the blocks of a site the way the tracer does: each block of
    `block` bytes is sampled with p = 1 - exp(-block/T) and weighs block/p."""
    n = int(true_bytes // block)
    p = 1 - math.exp(-block / interval)
    # binomial draw by normal approximation when large, exact when small
    if n * p > 50:
        k = max(0, int(round(rng.gauss(n * p, math.sqrt(n * p * (1 - p))))))
    else:
        k = sum(1 for _ in range(n) if rng.random() < p)
    return k * block / p, n, k


def bench(directory, nsites, depth, count=2):
    rng = random.Random(1)
    os.makedirs(directory, exist_ok=True)
    nfuncs = max(depth * 4, nsites // 4)
    paths = []
    stacks = []
    for i in range(nsites):
        st = [native("libc.so.6", "malloc", 0x10)]
        for j in range(depth - 1):
            f = rng.randrange(nfuncs)
            if j % 2:
                st.append(py("/app/mod%d.py" % (f % 97), "func%d" % f, 10 + f % 500))
            else:
                st.append(native("libpython3.11.so.1.0", "_PyEval_Frame%d" % f, f % 300))
        stacks.append(st)
    for c in range(count):
        s = Snap(seq=c, uptime=600.0 * (c + 1), mode="sample", interval=524288)
        for i, st in enumerate(stacks):
            b = 524288 * (1 + (i * 7 + c * (i % 3)) % 50)
            s.add(st, b, live_blocks=b // 100, live_samples=b // 524288)
        paths.append(s.write(directory))
    return paths


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "bench":
        bench(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
              int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
