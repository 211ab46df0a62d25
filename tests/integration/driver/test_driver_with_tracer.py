#!/usr/bin/env python3
"""test_driver_with_tracer.py - ccx-driver with the real libccxtrace.so:
a Python process traced with LD_PRELOAD gets SIGUSR2 (it passes the maps
and SigCgt checks), and in a second run the tracer's CCXTRACE_TRIGGER file;
N bursts give N + 1 snapshots from that process, each named by the driver
and readable as format ccxtrace-snapshot.  Skipped when the library is not
built."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import os

from drvtest import TMP, check, done, fast, need_driver, need_tracer, run, server, snapshots_of, traced

need_driver()
need_tracer()

srv = server()
# SIGUSR2 in each break.
snapdir = os.path.join(TMP, "snaps-signal")
os.mkdir(snapdir)
p = traced(snapdir)
rc, out, err, s = run(fast(srv.url) + ["--mode", "bursts", "--bursts", "2", "--burst-length", "1s",
                                       "--break-length", "1s", "--settle", "200ms", "--delay", "20ms",
                                       "--trigger-signal", str(p.pid), "--snapshot-dir", snapdir,
                                       "--snapshot-timeout", "10s"])
check(p.poll() is None, "the traced process survived the signals")
check(rc == 0, "signal run: exit 0")
mine = [n for x in (s or {}).get("snapshots", []) for n in x["files"]]
check(len(s["snapshots"]) == 3 and len(mine) == 3, "2 bursts: 3 snapshots, each with its file named (%s)" % mine)
docs = snapshots_of(snapdir, p.pid)
check(sorted(mine) == [n for n, _ in docs], "the named files are the process's snapshots")
check(all(d.get("format") == "ccxtrace-snapshot" and d.get("pid") == p.pid and d.get("reason") == "signal"
          for _, d in docs), "they are signal snapshots of the traced pid")
p.terminate()
p.wait()

# The trigger file, polled by the tracer.
snapdir = os.path.join(TMP, "snaps-file")
os.mkdir(snapdir)
trig = os.path.join(TMP, "trigger")
p = traced(snapdir, CCXTRACE_TRIGGER=trig)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "10", "--delay", "20ms", "--settle", "200ms",
                                       "--trigger-file", trig, "--snapshot-dir", snapdir,
                                       "--snapshot-timeout", "10s"])
docs = snapshots_of(snapdir, p.pid)
named = [n for x in (s or {}).get("snapshots", []) for n in x["files"]]
check(rc == 0 and len(s["snapshots"]) == 2, "trigger-file run: start and end snapshots")
check(len(named) == 2 and sorted(named) == [n for n, d in docs if d.get("reason") == "trigger"],
      "the tracer wrote one trigger snapshot per counter change, and the driver named them (%s)" % named)
p.terminate()
p.wait()
srv.stop()
done()
