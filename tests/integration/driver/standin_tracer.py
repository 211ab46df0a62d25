#!/usr/bin/env python3
"""standin_tracer.py - a stand-in for a traced service in ccx-driver's tests.

Behaves like a process under libccxtrace.so as far as the driver can see:
  --lib PATH       load PATH (a library named libccxtrace.so) with ctypes, so
                   /proc/PID/maps shows it
  --signal         catch SIGUSR2 (SigCgt) and write a snapshot on each one
  --trigger FILE   poll FILE (content, size, mtime) every 20 ms and write a
                   snapshot on each change, like CCXTRACE_TRIGGER
  --dir DIR        where snapshots go: ccxtrace.<host>.<pid>.<start>.<seq>.json,
                   written to a temporary name and renamed
  --events FILE    one line per snapshot: "<reason> <trigger content>"
  --ready FILE     created once everything above is set up
Exits after --lifetime seconds (default 120) or on SIGTERM.
"""

import argparse
import ctypes
import json
import os
import signal
import socket
import time

ap = argparse.ArgumentParser()
ap.add_argument("--lib")
ap.add_argument("--signal", action="store_true")
ap.add_argument("--trigger")
ap.add_argument("--dir", default=".")
ap.add_argument("--events")
ap.add_argument("--ready")
ap.add_argument("--lifetime", type=float, default=120)
a = ap.parse_args()

if a.lib:
    ctypes.CDLL(a.lib)
host = socket.gethostname()
start = int(time.time())
seq = 0
pending = []


def snapshot(reason, value):
    global seq
    name = "ccxtrace.%s.%d.%d.%d.json" % (host, os.getpid(), start, seq)
    tmp = os.path.join(a.dir, "." + name + ".tmp")
    with open(tmp, "w") as f:
        json.dump({"format": "ccxtrace-snapshot", "version": 1, "seq": seq, "reason": reason}, f)
    os.rename(tmp, os.path.join(a.dir, name))
    seq += 1
    if a.events:
        with open(a.events, "a") as f:
            f.write("%s %s\n" % (reason, value))


def state(path):
    try:
        st = os.stat(path)
        with open(path) as f:
            return (f.read(), st.st_size, st.st_mtime_ns)
    except OSError:
        return None


if a.signal:
    signal.signal(signal.SIGUSR2, lambda s, f: pending.append("signal"))
signal.signal(signal.SIGTERM, lambda s, f: os._exit(0))
last = state(a.trigger) if a.trigger else None
if a.ready:
    open(a.ready, "w").close()
end = time.time() + a.lifetime
while time.time() < end:
    while pending:
        snapshot(pending.pop(0), "-")
    if a.trigger:
        now = state(a.trigger)
        if now != last and now is not None:
            snapshot("trigger", now[0].strip())
        last = now
    time.sleep(0.02)
