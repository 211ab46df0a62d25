#!/usr/bin/env python3
"""test_driver_upload.py - ccx-driver against the validating test server:
exact counts at concurrency 1 and 8, the identity and content type the
server sees, --archives round-robin, retries only on 5xx and connection
errors (never 4xx), timeouts against a stalled server, refused connections,
--rate, the CSV log and Ctrl-C."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import csv
import json
import os
import signal
import subprocess
import time

from drvtest import TMP, DRIVER, check, done, fast, need_driver, run, server

need_driver()

# Exact counts at concurrency 1 and 8; what the server received is valid.
for conc, n in ((1, 30), (8, 120)):
    log = os.path.join(TMP, "srv%d.jsonl" % conc)
    srv = server(log_path=log)
    csv_path = os.path.join(TMP, "req%d.csv" % conc)
    rc, out, err, s = run(fast(srv.url) + ["--concurrency", str(conc), "--delay", "0",
                                           "--max-uploads", str(n), "--org-id", "org-77",
                                           "--account", "acc-5", "--log-csv", csv_path])
    st = srv.stats()
    srv.stop()
    check(rc == 0, "concurrency %d: exit 0" % conc)
    check(st["requests"] == n and st["by_status"] == {"202": n},
          "concurrency %d: server got exactly %d valid uploads (%s)" % (conc, n, st))
    check(s and s["uploads"] == n and s["accepted"] == n and s["requests"] == n and s["retries"] == 0,
          "concurrency %d: summary counts %d accepted" % (conc, n))
    check(s and s["by_status"] == {"202": n}, "concurrency %d: by_status" % conc)
    with open(log) as f:
        lines = [json.loads(l) for l in f]
    check(all(l["org_id"] == "org-77" for l in lines), "org_id from --org-id reached the server")
    check(all(l["content_type"] == "application/vnd.redhat.openshift.periodic+tar" for l in lines),
          "default content type")
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    check(len(rows) == n, "CSV log has one line per request")
    check(sorted(r["request_id"] for r in rows) == sorted(l["request_id"] for l in lines),
          "CSV request ids are the ones the server issued")
    check(all(r["status"] == "202" and float(r["latency_ms"]) > 0 for r in rows), "CSV statuses and latencies")
    check("202 %d" % n in out and "latency: p50" in out, "text summary shows counts and latency")

# --archives: existing files, sent round-robin.
adir = os.path.join(TMP, "archives")
os.mkdir(adir)
for i in range(3):
    rc, _, _, _ = run(["make-archive", "-o", os.path.join(adir, "a%d.tar.gz" % i), "--archive-size", "4k"],
                      summary=False)
    check(rc == 0, "make-archive a%d" % i)
log = os.path.join(TMP, "srv_dir.jsonl")
srv = server(log_path=log)
rc, out, err, s = run(["upload", "--url", srv.url, "--archives", adir, "--max-uploads", "9", "--delay", "0", "--quiet"])
srv.stop()
with open(log) as f:
    names = [json.loads(l)["filename"] for l in f]
check(rc == 0 and sorted(names) == sorted(["a0.tar.gz", "a1.tar.gz", "a2.tar.gz"] * 3),
      "--archives sends each file in turn (%s)" % names)

# 4xx answers are never retried.
for status in (400, 413, 415):
    srv = server(answer=status)
    rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "4", "--delay", "0", "--retries", "3"])
    st = srv.stats()
    srv.stop()
    check(rc == 1, "all %d: exit 1" % status)
    check(st["requests"] == 4, "%d: no retries (server saw %d requests for 4 uploads)" % (status, st["requests"]))
    check(s and s["by_status"] == {str(status): 4} and s["retries"] == 0, "%d counted" % status)
    check("HTTP %d: " % status in out and "told to answer %d" % status in out,
          "%d: the first response bodies are shown" % status)
    check("every upload" in err, "%d: a clear message that everything failed" % status)

# The real validation refuses: a content type ingress does not accept, a
# bad identity, an archive over the size limit.
srv = server()
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "2", "--delay", "0", "--content-type", "application/x-tar"])
check(rc == 1 and s["by_status"] == {"415": 2}, "validation: wrong content type -> 415")
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "2", "--delay", "0",
                                       "--identity-json", '{"identity":{"type":"User"}}'])
check(rc == 1 and s["by_status"] == {"400": 2} and "no org_id" in out, "validation: identity without org_id -> 400")
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "2", "--delay", "0", "--archive-size", "2k",
                                       "--content-type", "application/vnd.redhat.advisor.collection+tgz"])
check(rc == 0 and s["accepted"] == 2, "validation: another service/category is accepted")
srv.stop()
srv = server(max_size=4096)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "2", "--delay", "0"])
check(rc == 1 and s["by_status"] == {"413": 2}, "validation: 8 KiB archive over a 4 KiB limit -> 413")
srv.stop()

# 5xx is retried --retries times, then counted once per upload.
srv = server(answer=500)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "3", "--delay", "0", "--retries", "2"])
st = srv.stats()
srv.stop()
check(rc == 1 and st["requests"] == 9, "500: 3 uploads x (1 + 2 retries) = %d requests" % st["requests"])
check(s and s["uploads"] == 3 and s["retries"] == 6 and s["by_status"] == {"500": 3}, "500: summary")

# A retry that succeeds: the first answer is 500, the second 202.
srv = server(answer=500, answer_first=1)
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--retries", "2"])
st = srv.stats()
srv.stop()
check(rc == 0 and st["requests"] == 2 and s["accepted"] == 1 and s["retries"] == 1,
      "500 then 202: one retry, accepted")

# A stalled server: the request times out, is retried, then counted as timeout.
srv = server(stall=1.5)
t = time.time()
rc, out, err, s = run(fast(srv.url) + ["--max-uploads", "1", "--timeout", "300ms", "--retries", "1"])
elapsed = time.time() - t
st = srv.stats()
check(rc == 1 and s["by_status"] == {"timeout": 1} and s["requests"] == 2, "stall: timeout after a retry")
check(st["requests"] == 2, "stall: the server saw both attempts")
check(elapsed < 10, "stall: bounded by --timeout (%.1f s)" % elapsed)
srv.stop()

# Nobody listening: the first upload's connection errors are retried, then
# the run stops (nothing ever answered: a wrong or dead URL), even with no
# duration or count limit.
srv = server()
port = srv.server_address[1]
srv.stop()
rc, out, err, s = run(fast("http://127.0.0.1:%d/api/ingress/v1/upload" % port) + ["--retries", "1"], timeout=30)
check(rc == 1 and s["by_status"] == {"connect": 1} and s["requests"] == 2 and s["retries"] == 1,
      "refused: one upload, retried once, then the run stops")
check("cannot reach" in err and "Couldn't connect" in err and "every upload" in err, "refused: a clear message")
rc, out, err, s = run(fast("http://no-such-host.invalid/api/ingress/v1/upload") + ["--mode", "bursts"], timeout=30)
check(rc == 1 and s["by_status"] == {"resolve": 1} and "Could not resolve host" in err,
      "unknown host: stops at once with a clear message")

# --rate paces the uploads (a generous window: the machine is shared).
srv = server()
rc, out, err, s = run(fast(srv.url) + ["--rate", "20/s", "--duration", "1s", "--concurrency", "4"])
srv.stop()
check(rc == 0 and 12 <= s["uploads"] <= 22, "--rate 20/s for 1 s sent %d uploads" % s["uploads"])

# Progress: plain lines every --progress-interval when stderr is not a
# terminal; one updating line on a terminal (through script(1)).
srv = server()
rc, out, err, s = run(["upload", "--url", srv.url, "--pool", "2", "--archive-size", "8k", "--duration", "1s",
                       "--delay", "20ms", "--progress-interval", "200ms"])
lines = [l for l in err.splitlines() if l.startswith("[") and "continuous" in l]
check(rc == 0 and 3 <= len(lines) <= 8 and all("accepted" in l and "p99" in l for l in lines),
      "progress: %d plain lines for 1 s at 200 ms" % len(lines))
import shutil
if shutil.which("script"):
    cmd = " ".join([DRIVER, "upload", "--url", srv.url, "--pool", "2", "--archive-size", "8k",
                    "--duration", "1200ms", "--delay", "20ms"])
    p = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, timeout=30)
    check(p.returncode == 0 and b"\r\x1b[K[" in p.stdout and p.stdout.count(b"\r\x1b[K[") >= 2,
          "progress on a terminal: one line rewritten in place")
srv.stop()

# Ctrl-C stops cleanly and still prints the summary.
srv = server(stall=0.05)
p = subprocess.Popen([DRIVER] + fast(srv.url) + ["--delay", "0", "--concurrency", "2"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
time.sleep(1.0)
p.send_signal(signal.SIGINT)
out, err = p.communicate(timeout=20)
srv.stop()
print(out, err)
check(p.returncode == 0, "Ctrl-C: exit 0 after accepted uploads (%d)" % p.returncode)
check("uploads in" in out and "accepted" in out and "interrupted" in err, "Ctrl-C: summary printed")
done()
