#!/usr/bin/env python3
"""test_driver_signal_option.py - --signal NAME with the real
libccxtrace.so: a Python process traced with CCXTRACE_SIGNAL=USR1 gets
snapshots from --trigger-signal with --signal USR1 (and the same signal
written SIGUSR1, sigusr1, 10), one traced with CCXTRACE_SIGNAL=RTMIN+3
from --signal RTMIN+3; the default (SIGUSR2) and a signal the process does
not catch are refused before any upload with the process left alive; a
name that is not a signal the tracer takes (FOO, KILL, SEGV, TERM, INT,
HUP, none, 0, RTMIN+99) is one line and exit status 2.  Skipped when the library is not
built."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import os
import signal

from drvtest import ROOT, TMP, caught, check, done, fast, need_driver, need_tracer, run, server, snapshots_of, traced

need_driver()
need_tracer()


# Documented in --help and docs/driver.md.
rc, out, err, s = run(["upload", "--help"], summary=False)
check(rc == 0 and "--signal NAME" in out and "[USR2]" in out, "--help lists --signal NAME [USR2]")
with open(os.path.join(ROOT, "docs", "driver.md")) as f:
    check("| `--signal NAME` |" in f.read(), "docs/driver.md documents --signal NAME")

srv = server()

# Bad values: one line, exit 2, nothing sent.
for bad in ("FOO", "KILL", "SIGSEGV", "TERM", "INT", "HUP", "none", "0", "RTMIN+99", "USR1x", ""):
    rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", str(os.getpid()),
                                           "--signal", bad])
    lines = err.strip().splitlines()
    check(rc == 2 and len(lines) == 1 and lines[0].startswith("ccx-driver: --signal '%s':" % bad),
          "--signal '%s': refused with one line, exit 2" % bad)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--signal", "USR1"])
check(rc == 2 and "--signal is for --trigger-signal" in err, "--signal without --trigger-signal: exit 2")
check(srv.stats()["requests"] == 0, "refusals happen before any upload")

# A process traced with CCXTRACE_SIGNAL=USR1.
snapdir = os.path.join(TMP, "snaps-usr1")
os.mkdir(snapdir)
p = traced(snapdir, signal.SIGUSR1, CCXTRACE_SIGNAL="USR1")
check(signal.SIGUSR1 in caught(p.pid) and signal.SIGUSR2 not in caught(p.pid),
      "CCXTRACE_SIGNAL=USR1: the tracer catches SIGUSR1, not SIGUSR2")
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", str(p.pid)])
check(rc == 2 and "does not catch SIGUSR2" in err and "--signal" in err, "default SIGUSR2: refused, exit 2")
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", str(p.pid), "--signal", "RTMIN+1"])
check(rc == 2 and "does not catch SIGRTMIN+1" in err, "--signal RTMIN+1 (not caught): refused, exit 2")
check(p.poll() is None and not snapshots_of(snapdir, p.pid), "refused: the process is alive, no snapshot")
check(srv.stats()["requests"] == 0, "refusals happen before any upload")
total = 0
for form in ("USR1", "SIGUSR1", "sigusr1", "10"):
    rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "3", "--delay", "20ms", "--settle", "200ms",
                                           "--trigger-signal", str(p.pid), "--signal", form,
                                           "--snapshot-dir", snapdir, "--snapshot-timeout", "10s"])
    named = [n for x in (s or {}).get("snapshots", []) for n in x["files"]]
    check(rc == 0 and len((s or {}).get("snapshots", [])) == 2 and len(named) == 2,
          "--signal %s: start and end snapshots, each file named (%s)" % (form, named))
    total += 2
check(p.poll() is None, "the traced process survived the signals")
docs = snapshots_of(snapdir, p.pid)
check(len(docs) == total and all(d.get("format") == "ccxtrace-snapshot" and d.get("pid") == p.pid
                                 and d.get("reason") == "signal" for _, d in docs),
      "%d signal snapshots of the traced pid on disk (%d)" % (total, len(docs)))
p.terminate()
p.wait()

# A real-time signal.
snapdir = os.path.join(TMP, "snaps-rt")
os.mkdir(snapdir)
rt = signal.SIGRTMIN + 3
p = traced(snapdir, rt, CCXTRACE_SIGNAL="RTMIN+3")
check(rt in caught(p.pid), "CCXTRACE_SIGNAL=RTMIN+3: the tracer catches signal %d" % rt)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "3", "--delay", "20ms", "--settle", "200ms",
                                       "--trigger-signal", str(p.pid), "--signal", "sigrtmin+3",
                                       "--snapshot-dir", snapdir, "--snapshot-timeout", "10s"])
named = [n for x in (s or {}).get("snapshots", []) for n in x["files"]]
check(rc == 0 and len(named) == 2 and sorted(named) == [n for n, _ in snapshots_of(snapdir, p.pid)],
      "--signal sigrtmin+3: start and end snapshots named (%s)" % named)
check(p.poll() is None, "the traced process survived")
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--trigger-signal", str(p.pid), "--signal", "RTMIN+4"])
check(rc == 2 and "does not catch SIGRTMIN+4" in err, "--signal RTMIN+4 (not caught): refused, named in the message")
p.terminate()
p.wait()
srv.stop()
done()
