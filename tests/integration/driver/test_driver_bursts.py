#!/usr/bin/env python3
"""test_driver_bursts.py - burst mode and snapshot triggers: N bursts give
N + 1 trigger-file changes (a baseline, then one in each break after the
uploads in flight and --settle), bursts and breaks have the requested
lengths (generous bounds: the machine is shared), the new snapshot files
are named in the output; continuous mode triggers at the start, every
--snapshot-every and at the end; --trigger-exec runs the command."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import json
import os

from drvtest import TMP, check, done, fast, need_driver, run, server, standin

need_driver()

# 2 bursts of 1 s with 1 s breaks, a stand-in tracer watching the trigger file.
snapdir = os.path.join(TMP, "snaps")
os.mkdir(snapdir)
trigger = os.path.join(TMP, "trigger")
events = os.path.join(TMP, "events")
tracer = standin("--trigger", trigger, "--dir", snapdir, "--events", events)
log = os.path.join(TMP, "srv.jsonl")
srv = server(log_path=log)
rc, out, err, s = run(fast(srv.url) + ["--mode", "bursts", "--bursts", "2", "--burst-length", "1s",
                                       "--break-length", "1s", "--settle", "200ms", "--delay", "20ms",
                                       "--trigger-file", trigger, "--snapshot-dir", snapdir,
                                       "--snapshot-timeout", "5s"])
srv.stop()
tracer.terminate()
tracer.wait()
check(rc == 0, "bursts: exit 0")
with open(trigger) as f:
    check(f.read().strip() == "3", "trigger file holds the 3rd counter value")
with open(events) as f:
    seen = [l.split() for l in f]
check([v for _, v in seen] == ["1", "2", "3"], "the tracer saw the trigger change exactly 3 times: %s" % seen)
files = sorted(os.listdir(snapdir))
check(len(files) == 3, "3 snapshot files written")
snaps = s["snapshots"]
check([x["phase"] for x in snaps] == ["baseline", "break 1", "break 2"], "snapshot phases %s" % [x["phase"] for x in snaps])
check(all(len(x["files"]) == 1 for x in snaps) and sorted(f for x in snaps for f in x["files"]) == files,
      "each snapshot's new file is named in the summary")
check(all(f in err for f in files), "and in the output while it runs")
phases = s["phases"]
check([p["name"] for p in phases] == ["burst 1", "burst 2"], "two burst phases")
check(all(0.9 <= p["length_s"] <= 2.5 for p in phases), "bursts last about 1 s: %s" % [p["length_s"] for p in phases])
check(all(p["uploads"] >= 5 and p["failed"] == 0 for p in phases), "every burst sent uploads")
check(sum(p["uploads"] for p in phases) == s["uploads"] == srv.stats()["requests"], "per-burst figures add up")
with open(log) as f:
    times = [json.loads(l)["t"] for l in f]
gaps = [b - a for a, b in zip(times, times[1:])]
big = [g for g in gaps if g > 0.5]
check(len(big) == 1 and 0.9 <= big[0] <= 3.0, "one break between the bursts, about 1 s long: %s" % big)
# the break's snapshot comes after the burst's last upload and before the next burst
t_snap1 = snaps[1]["time_s"]
check(phases[0]["start_s"] + phases[0]["length_s"] <= t_snap1 <= phases[1]["start_s"],
      "the break 1 snapshot falls between the bursts")
check(snaps[0]["time_s"] <= phases[0]["start_s"], "the baseline comes before the first burst")
check(s["elapsed_s"] >= 4.0, "2 x (1 s burst + 1 s break): %.1f s" % s["elapsed_s"])

# Continuous: start, every 400 ms, end; --trigger-exec sees the sequence number.
seqlog = os.path.join(TMP, "seq")
srv = server()
rc, out, err, s = run(fast(srv.url) + ["--duration", "1s", "--delay", "20ms", "--snapshot-every", "400ms",
                                       "--settle", "100ms",
                                       "--trigger-exec", "echo $CCX_SNAPSHOT_SEQ $CCX_SNAPSHOT_PHASE >> " + seqlog])
srv.stop()
with open(seqlog) as f:
    lines = [l.split() for l in f]
phs = [p for _, p in lines]
check(rc == 0 and [int(n) for n, _ in lines] == list(range(len(lines))), "exec trigger: consecutive sequence numbers")
check(phs[0] == "start" and phs[-1] == "end" and 1 <= phs.count("every") <= 3,
      "continuous: start, every 400 ms, end: %s" % phs)
check(len(s["snapshots"]) == len(lines), "summary lists every snapshot")

# A failing command is reported, the run goes on.
srv = server()
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "3", "--delay", "0", "--settle", "0",
                                       "--trigger-exec", "exit 3"])
srv.stop()
check(rc == 0 and s["accepted"] == 3 and "command failed (exit status 3)" in err, "failing --trigger-exec is a warning")

# No snapshot appears: the wait is bounded and says so.
srv = server()
empty = os.path.join(TMP, "nosnaps")
os.mkdir(empty)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--settle", "0", "--snapshot-dir", empty,
                                       "--trigger-file", os.path.join(TMP, "unwatched"), "--snapshot-timeout", "300ms"])
srv.stop()
check(rc == 0 and "0 of 1 expected snapshot file(s)" in err, "a missing snapshot is a bounded wait and a warning")
done()
