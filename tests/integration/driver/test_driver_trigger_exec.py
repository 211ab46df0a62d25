#!/usr/bin/env python3
"""test_driver_trigger_exec.py - a --trigger-exec command that outlives
--snapshot-timeout (or a Ctrl-C) is ended with its whole process group:
the `sleep` its shell started must not survive reparented to pid 1 (issue
12, item 2).  Also when the command ignores SIGTERM: SIGKILL follows after
a short grace.  Every process is found through /proc by a marker argument
only this test uses, and by the process group the command ran in."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import os
import signal
import subprocess
import time

from drvtest import DRIVER, TMP, check, done, fast, need_driver, run, server

need_driver()


def procs():
    """(pid, pgrp, state, argv) of every process that is not a zombie."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z":
            out.append((int(d), int(fields[2]), fields[0], argv))
    return out


def survivors(marker, pgid):
    return [p for p in procs() if marker in p[3] or (pgid and p[1] == pgid)]


def cleanup(found):
    for pid, _, _, _ in found:  # only processes this test started
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def read_ids(path):
    """The command writes its shell's pid and process group: 'PID PGRP'."""
    try:
        with open(path) as f:
            pid, pgrp = f.read().split()
        return int(pid), int(pgrp)
    except (OSError, ValueError):
        return 0, 0


def command(ids, marker, ignore_term=False):
    trap = "trap '' TERM; " if ignore_term else ""
    # The sleep's output goes elsewhere: a survivor must not hold the
    # driver's stdout pipe open, which would hang this test, not fail it.
    return ("%secho $$ $(cut -d' ' -f5 /proc/$$/stat) > %s; sleep %s >/dev/null 2>&1; echo x"
            % (trap, ids, marker))


srv = server()
for case, marker, ignore in (("timeout", "77.3141", False), ("timeout, TERM ignored", "78.2718", True)):
    ids = os.path.join(TMP, "ids.%s" % marker)
    t0 = time.time()
    rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--settle", "0",
                                           "--trigger-exec", command(ids, marker, ignore),
                                           "--snapshot-timeout", "1s"])
    took = time.time() - t0
    shell, pgrp = read_ids(ids)
    check(shell > 0, "%s: the command ran (%s)" % (case, ids))
    check(shell == pgrp, "%s: the command ran in its own process group (shell %d, group %d)"
          % (case, shell, pgrp))
    check(rc == 0 and "timed out, killed" in err, "%s: a warning says it was killed" % case)
    left = survivors(marker, pgrp if shell == pgrp else 0)
    check(not left, "%s: no process of the command survives: %s" % (case, left))
    check(took < 20, "%s: the run did not wait for the sleep (%.1f s)" % (case, took))
    cleanup(left)

# Ctrl-C while the command runs: the group goes too.
marker = "79.1618"
ids = os.path.join(TMP, "ids.int")
p = subprocess.Popen([DRIVER] + fast(srv.url) + ["--duration", "60s", "--delay", "50ms",
                                                 "--trigger-exec", command(ids, marker),
                                                 "--snapshot-timeout", "60s"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
deadline = time.time() + 20
while time.time() < deadline and not read_ids(ids)[0]:
    time.sleep(0.05)
shell, pgrp = read_ids(ids)
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    out, err = p.communicate()
sys.stdout.write(out + err)
check(shell > 0 and p.returncode == 0 and "interrupted, killed" in err,
      "Ctrl-C during the command: it is killed and the driver ends (exit %s)" % p.returncode)
left = survivors(marker, pgrp if shell == pgrp else 0)
check(not left, "Ctrl-C: no process of the command survives: %s" % left)
cleanup(left)
srv.stop()
done()
