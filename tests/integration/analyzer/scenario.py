"""scenario.py - the known-contents snapshot series the analyzer tests use.

One process, six snapshots one hour apart, every allocation recorded:
  LEAK     x.py:42 Broker.add_exception under run_components: 10 MiB + 3 MiB per snapshot
  PLATEAU  cache.py:7 warm: 0, 5, 10, 10, 10, 10 MiB (growth that stopped)
  NOISE    util.py:3 churn: about 2 MiB, up and down
  GONE     old.py:1 startup: 1 MiB in the first three snapshots only
  NEW      late.py:9 feature: 100 KiB in the last two only
  NATIVE   a native-only stack (libfoo.so!parse) of 512 KiB, constant
Census: Broker +100 per snapshot, traceback and frame +200; the last
snapshot also has an after_collect census (half the growth reclaimable).
A second run (other pid, other addresses) has the same stacks.
"""
import os

from ccxsnap import Snap, census, native, py

MiB = 1 << 20
HOUR = 3600.0

ALLOC = [native("libpython3.11.so.1.0", "_PyObject_Malloc", 0x65),
         native("libpython3.11.so.1.0", "PyUnicode_New", 0x30)]
LEAK = ALLOC + [py("/app/x.py", "Broker.add_exception", 42),
                py("/app/run.py", "run_components", 10),
                py("/app/main.py", "<module>", 1)]
PLATEAU = ALLOC + [py("/app/cache.py", "warm", 7), py("/app/main.py", "<module>", 2)]
NOISE = ALLOC + [py("/app/util.py", "churn", 3), py("/app/main.py", "<module>", 3)]
GONE = ALLOC + [py("/app/old.py", "startup", 1)]
NEW = ALLOC + [py("/app/late.py", "feature", 9)]
NATIVE = [native("libc.so.6", "malloc", 0x10), native("libfoo.so", "parse", 0x44),
          native("libfoo.so", "load", 0x20)]

NOISE_MIB = [2.0, 2.3, 1.8, 2.2, 1.9, 2.1]
PLATEAU_MIB = [0, 5, 10, 10, 10, 10]
COUNT = 6


def leak_bytes(i):
    return 10 * MiB + 3 * MiB * i


def series(directory, pid=4242, base=0x7f0000000000, start=1795739900, count=COUNT):
    paths = []
    for i in range(count):
        s = Snap(pid=pid, start=start, seq=i + 1, uptime=60 + HOUR * i, base=base)
        s.add(LEAK, leak_bytes(i), live_blocks=1000 + 300 * i)
        if PLATEAU_MIB[i]:
            s.add(PLATEAU, PLATEAU_MIB[i] * MiB, live_blocks=PLATEAU_MIB[i] * 16)
        s.add(NOISE, int(NOISE_MIB[i] * MiB), live_blocks=200)
        if i < 3:
            s.add(GONE, 1 * MiB, live_blocks=4)
        if i >= count - 2:
            s.add(NEW, 100 * 1024, live_blocks=10)
        s.add(NATIVE, 512 * 1024, live_blocks=8, layer="libc")
        types = {"Broker": (10 + 100 * i, (10 + 100 * i) * 56),
                 "traceback": (20 + 200 * i, (20 + 200 * i) * 64),
                 "frame": (20 + 200 * i, (20 + 200 * i) * 400),
                 "dict": (5000, 5000 * 232)}
        after = None
        if i == count - 1:
            after = {"Broker": (10 + 50 * i, (10 + 50 * i) * 56),
                     "traceback": (20 + 100 * i, (20 + 100 * i) * 64),
                     "frame": (20 + 100 * i, (20 + 100 * i) * 400),
                     "dict": (5000, 5000 * 232)}
        s.python = census(types, gc_collections=(100 * i, 10 * i, i), after=after,
                          collected=(50 + 100 + 100) * i if after else 0)
        s.rss = 80 * MiB + int(4.5 * MiB * i)
        paths.append(s.write(directory))
    return paths
