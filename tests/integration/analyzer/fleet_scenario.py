"""fleet_scenario.py - snapshot sets of several processes with known truth
for the fleet tests (test_analyzer_fleet.py) and the fleet benchmark.

The service: `python3 app.py` in pods whose line /app/dr.py:123 leaks.
  A  host svc-a, pid 1, instance "a..."   18 MiB/h, 6 snapshots from 0h, hourly
  B  host svc-a, pid 1, same start second, instance "b..." (a second
     container of the same pod)           18 MiB/h, 6 snapshots from 0h20m
  C  host svc-c, pid 1                     54 MiB/h, 6 snapshots from 0h40m
     (restart=True: C runs 0h40m-2h40m, is OOM-killed and restarts as C2,
     3h00m-5h40m, both at 54 MiB/h: one lineage)
The fleet leaks 18 + 18 + 54 = 90 MiB/h at dr.py:123.  Beside it:
  a noise site (about 3 MiB, up and down) and a constant native site in each;
  X  host svc-a, pid 57, `python3 -c ...`: one exit snapshot (left out);
  W  host svc-w, pid 1, `python3 worker.py` (another script) leaking the
     same line at 30 MiB/h: a different command, never summed with the app.
Sampling: every 512 KiB, blocks of 1 KiB drawn as the tracer samples them.
Each process has a census (Broker objects) that starts at its own level, so
a census compared across processes would show a false change.
"""
import math
import random

from ccxsnap import Snap, census, native, poisson_estimate, py

MiB = 1 << 20
HOUR = 3600.0
T0 = 1795740000
INTERVAL = 524288
ALLOC = [native("libpython3.11.so.1.0", "_PyObject_Malloc", 0x65)]
LEAK = ALLOC + [py("/app/dr.py", "DataReader.add", 123), py("/app/app.py", "<module>", 40)]
NOISE = ALLOC + [py("/app/util.py", "churn", 3), py("/app/app.py", "<module>", 41)]
NATIVE = [native("libc.so.6", "malloc", 0x10), native("libfoo.so", "parse", 0x44)]


def process(directory, rng, host, pid, start, instance, rate_mib_h, times_h, base_mib, broker0,
            cmdline="python3 app.py", exe="/usr/bin/python3.11"):
    """Writes one process's snapshots at times_h (hours since T0)."""
    paths = []
    for i, th in enumerate(times_h):
        up = th * HOUR - (start - T0)
        s = Snap(pid=pid, host=host, start=start, seq=i + 1, uptime=up, mode="sample",
                 interval=INTERVAL, instance=instance, cmdline=cmdline, exe=exe,
                 base=0x7f0000000000 + (hash(instance) & 0xff) * 0x10000000)
        true = (base_mib + rate_mib_h * up / HOUR) * MiB
        est, n, k = poisson_estimate(rng, true, 1024, INTERVAL)
        s.add(LEAK, est, live_blocks=n, live_samples=k)
        est, n, k = poisson_estimate(rng, (3 + 0.5 * math.sin(i * 2.1 + pid)) * MiB, 1024, INTERVAL)
        s.add(NOISE, est, live_blocks=n, live_samples=k)
        s.add(NATIVE, 4 * MiB, live_blocks=4, live_samples=4, layer="libc")
        b = broker0 + 100 * i
        s.python = census({"Broker": (b, b * 56), "dict": (5000, 5000 * 232)})
        paths.append(s.write(directory))
    return paths


def fleet(directory, restart=False, seed=7, rates=(18, 18, 54)):
    """The service above (A, B, C leaking at RATES MiB/h); returns {name: [paths]}."""
    rng = random.Random(seed)
    hourly = [0, 1, 2, 3, 4, 5]
    out = {
        "A": process(directory, rng, "svc-a", 1, T0, "a" * 32, rates[0], hourly, 200, 1000),
        "B": process(directory, rng, "svc-a", 1, T0, "b" * 32, rates[1], [h + 1 / 3 for h in hourly], 20, 50),
    }
    if restart:
        out["C"] = process(directory, rng, "svc-c", 1, T0 + 1800, "c" * 32, rates[2],
                           [2 / 3 + 0.4 * i for i in range(6)], 100, 400)
        out["C2"] = process(directory, rng, "svc-c", 1, T0 + 3 * 3600 - 60, "d" * 32, rates[2],
                            [3 + 0.5 * i for i in range(6)], 100, 400)
    else:
        out["C"] = process(directory, rng, "svc-c", 1, T0 + 1800, "c" * 32, rates[2],
                           [h + 2 / 3 for h in hourly], 100, 400)
    return out


def extras(directory, seed=8):
    """X: a one-snapshot exec'd python; W: another script leaking the same line."""
    rng = random.Random(seed)
    x = process(directory, rng, "svc-a", 57, T0 + 7000, "e" * 32, 0, [2.0], 5, 10,
                cmdline="python3 -c import gc; print(gc.get_count())")
    w = process(directory, rng, "svc-w", 1, T0, "f" * 32, 30, [0, 1, 2, 3, 4, 5], 10, 10,
                cmdline="python3 worker.py --queue q1")
    return {"X": x, "W": w}
