#!/usr/bin/env python3
"""test_driver_signal.py - --trigger-signal sends SIGUSR2 only to a process
that has libccxtrace.so mapped (/proc/PID/maps) and catches the signal
(SigCgt): refused, with the process left alive, for a plain process and for
one that maps a library named libccxtrace.so without a SIGUSR2 handler;
accepted for a stand-in tracer that does both, whose snapshot files the
driver then waits for and names."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import os
import subprocess

from drvtest import TMP, check, done, fast, need_driver, run, server, standin, standin_lib

need_driver()
srv = server()
lib = standin_lib()

# A plain process.
plain = subprocess.Popen(["sleep", "60"])
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", str(plain.pid)])
check(rc == 2 and "does not have libccxtrace.so mapped" in err, "plain process: refused, exit 2")
check(plain.poll() is None, "plain process: still alive")

# libccxtrace.so mapped, SIGUSR2 not caught.
env = dict(os.environ, LD_PRELOAD=lib)
nohandler = subprocess.Popen(["sleep", "60"], env=env)
standin_ready = standin("--lib", lib, "--lifetime", "60")  # maps it via ctypes, no handler either
for p, what in ((nohandler, "LD_PRELOAD'ed sleep"), (standin_ready, "python with the library, no handler")):
    with open("/proc/%d/maps" % p.pid) as f:
        check(lib in f.read(), "%s maps %s" % (what, os.path.basename(lib)))
    rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", str(p.pid)])
    check(rc == 2 and "does not catch SIGUSR2" in err, "%s: refused, exit 2" % what)
    check(p.poll() is None, "%s: still alive" % what)
    # one good pid does not excuse a bad one in the list
    rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", "%d,%d" % (plain.pid, p.pid)])
    check(rc == 2, "%s: refused in a list too" % what)
check(srv.stats()["requests"] == 0, "refusals happen before any upload")

# A stand-in tracer: maps the library and catches SIGUSR2.
snapdir = os.path.join(TMP, "snaps")
os.mkdir(snapdir)
events = os.path.join(TMP, "events")
tracers = [standin("--lib", lib, "--signal", "--dir", snapdir, "--events", events) for _ in range(2)]
pids = ",".join(str(t.pid) for t in tracers)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "5", "--delay", "0", "--settle", "100ms",
                                       "--trigger-signal", pids, "--snapshot-dir", snapdir,
                                       "--snapshot-timeout", "10s"])
check(rc == 0 and s["accepted"] == 5, "traced processes: uploads accepted")
with open(events) as f:
    n_events = len(f.readlines())
check(n_events == 4, "2 processes x (start + end) = 4 signals handled (%d)" % n_events)
check(all(t.poll() is None for t in tracers), "the traced processes are alive")
snaps = s["snapshots"]
files = sorted(os.listdir(snapdir))
check(len(snaps) == 2 and all(len(x["files"]) == 2 for x in snaps), "each snapshot names both new files")
check(sorted(f for x in snaps for f in x["files"]) == files and len(files) == 4, "the names are the files written")
for t in tracers + [plain, nohandler, standin_ready]:
    t.terminate()
    t.wait()
srv.stop()
done()
