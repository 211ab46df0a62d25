#!/usr/bin/env python3
"""test_driver_idle.py - idle detection against a stand-in pipeline (issue
20): the validating ingress hands each upload to one of two workers that
finish it after a delay and count as the ccx-messaging consumers do
(ccx_consumer_received_total when taken, then ccx_published_total or
ccx_failures_total), each on its own /metrics written by Debian's
python3-prometheus-client.  Checked: every break snapshot is triggered
only after the workers finished every upload of its burst (trigger times
against finish times), the per-burst consumer counts add up over the two
URLs, a stalled worker ends the wait at --idle-timeout with the shortfall
reported, a counter going backwards is said and survived, and bad metrics
URLs are one clear error before any upload."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import os

try:
    import prometheus_client
except ImportError:  # Debian's package is for Debian's python3
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") \
            and not os.environ.get("CCX_IDLE_REEXEC"):
        os.environ["CCX_IDLE_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("python3-prometheus-client is not installed (scripts/install-deps.sh installs it)")
    sys.exit(77)

import http.server
import json
import queue
import threading
import time

from drvtest import ROOT, TMP, check, done, need_driver, run

sys.path.insert(0, os.path.join(ROOT, "scripts", "demo"))
import ingress  # noqa: E402

need_driver()


class Metrics(http.server.ThreadingHTTPServer):
    """GET /metrics -> body(); anything else 404."""
    daemon_threads = True

    def __init__(self, body):
        self.body = body

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                data = self.server.body().encode() if self.path == "/metrics" else b"no"
                self.send_response(200 if self.path == "/metrics" else 404)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        super().__init__(("127.0.0.1", 0), H)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.url = "http://127.0.0.1:%d/metrics" % self.server_address[1]


class Worker:
    """Takes uploads from its queue one by one, counts like the consumers."""

    def __init__(self, delay):
        self.q = queue.Queue()
        self.delay = delay
        self.stall_after = None  # take this many, then hang on the next one
        self.done = {}           # request_id -> finish time
        self.reg = prometheus_client.CollectorRegistry()
        c = prometheus_client.Counter
        self.received = c("ccx_consumer_received", "on_recv", registry=self.reg)
        self.published = c("ccx_published", "on_consumer_success", registry=self.reg)
        self.failures = c("ccx_failures", "on_consumer_failure", ["archive"], registry=self.reg)
        self.extracted = c("ccx_consumer_extracted", "x", ["archive"], registry=self.reg)
        for a in ("ocp", "hypershift", "ols"):
            self.extracted.labels(a)
        self.instances = prometheus_client.Gauge("ccx_broker_instances_size", "broker", registry=self.reg)
        self.metrics = Metrics(lambda: prometheus_client.generate_latest(self.reg).decode())
        self.taken = 0
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while True:
            rid = self.q.get()
            self.taken += 1
            self.received.inc()
            self.extracted.labels("we\"ird\\label\n").inc()
            if self.stall_after is not None and self.taken > self.stall_after:
                time.sleep(3600)
            time.sleep(self.delay)
            if self.taken % 7 == 0:
                self.failures.labels("ocp").inc()
            else:
                self.published.inc()
            self.instances.set(self.taken)
            self.done[rid] = time.time()


class Pipeline(ingress.IngressServer):
    """Ingress that hands uploads to the workers in turn; arrival times kept."""

    def __init__(self, workers):
        super().__init__(("127.0.0.1", 0), on_upload=self.hand_over)
        self.workers = workers
        self.n = 0
        self.arrived = {}
        self.lock = threading.Lock()

    def hand_over(self, rid, upload, archive):
        with self.lock:
            w = self.workers[self.n % len(self.workers)]
            self.n += 1
            self.arrived[rid] = time.time()
        w.q.put(rid)


def triggers(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                phase, t = line.rsplit(" ", 1)
                out.append((phase, float(t)))
    return out


def exec_trigger(path):
    return "echo \"$CCX_SNAPSHOT_PHASE $(date +%s.%N)\" >> " + path


# 1. Two workers, two bursts: the break snapshots wait for the workers.
# 2 x 10 uploads/s of capacity against 40 uploads/s: a backlog builds up.
workers = [Worker(0.1), Worker(0.1)]
pipe = Pipeline(workers).start()
tfile = os.path.join(TMP, "triggers")
rc, out, err, s = run(["upload", "--url", pipe.url, "--archive-size", "4k", "--quiet", "--rate", "40",
                       "--concurrency", "4",
                       "--mode", "bursts", "--bursts", "2", "--burst-length", "1s", "--break-length", "1s",
                       "--settle", "300ms", "--idle-metrics", workers[0].metrics.url,
                       "--idle-metrics", workers[1].metrics.url, "--idle-expect-all", "--idle-timeout", "60s",
                       "--trigger-exec", exec_trigger(tfile)], timeout=120)
pipe.stop()
trig = triggers(tfile)
check(rc == 0 and s is not None, "two workers: exit 0")
check([p for p, _ in trig] == ["baseline", "break 1", "break 2"], "three snapshots: %s" % [p for p, _ in trig])
finish = {}
for w in workers:
    finish.update(w.done)
ok = True
backlog = []
late = []
for i, ph in enumerate((s or {}).get("phases", [])):
    t_trig = dict(trig).get("break %d" % (i + 1), 0)
    burst_end = s["phases"][i]["start_s"] + s["phases"][i]["length_s"]
    arrived = [rid for rid, t in pipe.arrived.items()
               if (i == 0 or t > dict(trig)["break %d" % i]) and t <= t_trig]
    last_finish = max((finish.get(rid, float("inf")) for rid in arrived), default=0)
    ok = ok and arrived and last_finish <= t_trig
    backlog.append(round(t_trig - last_finish, 2))
    t_end = dict(trig)["baseline"] + burst_end - s["snapshots"][0]["time_s"]  # the burst's end, epoch
    late.append(sum(1 for rid in arrived if finish.get(rid, 0) > t_end + 0.3))
    c = ph.get("consumers", {})
    check(c.get("idle") is True and c.get("received") == ph["accepted"] == c.get("finished"),
          "burst %d: received %s = finished %s = accepted %s, summed over both URLs"
          % (i + 1, c.get("received"), c.get("finished"), ph["accepted"]))
    check(c.get("wait_s", 0) > 0.3 and "instances" in c.get("broker", {}),
          "burst %d: the wait (%.2f s) and the Broker gauge reported" % (i + 1, c.get("wait_s", 0)))
check(ok, "each break snapshot came after the workers finished its burst's last upload (margins %s s)" % backlog)
check(all(n > 0 for n in late), "the workers lagged: uploads of each burst finished after its end + --settle "
      "(%s), so a snapshot at --settle would have come too early" % late)
fails = sum(p.get("consumers", {}).get("failed", 0) for p in (s or {}).get("phases", []))
check(fails == sum(len(w.done) // 7 for w in workers), "failures counted (%s)" % fails)
check("after burst 1: consumers idle after" in out, "text summary: the consumers line per burst")
snaps = (s or {}).get("snapshots", [])
check(len(snaps) == 3 and all("consumers" in x for x in snaps[1:]), "the snapshots carry the consumer report")

# 2. A worker that stalls mid-archive: the wait ends at --idle-timeout.
w = Worker(0.01)
w.stall_after = 3
pipe = Pipeline([w]).start()
t0 = time.time()
rc, out, err, s = run(["upload", "--url", pipe.url, "--archive-size", "4k", "--quiet", "--delay", "10ms",
                       "--max-uploads", "8", "--settle", "100ms", "--idle-metrics", w.metrics.url,
                       "--idle-timeout", "1500ms", "--idle-expect-all", "--trigger-exec", exec_trigger(tfile + "2")],
                      timeout=60)
took = time.time() - t0
pipe.stop()
c = ((s or {}).get("phases") or [{}])[0].get("consumers", {})
check(rc == 0 and c.get("idle") is False and c.get("wait_s", 0) >= 1.4, "stalled: not idle, the wait ended at "
      "--idle-timeout (%.2f s)" % c.get("wait_s", 0))
check(c.get("behind") == 1 and c.get("not_received") == 4,
      "stalled: 1 received but not finished, 4 accepted uploads not received (%s)" % c)
check("NOT idle after" in out and "warning: after the run: consumers NOT idle" in err,
      "stalled: the summary and a warning say so")
check([p for p, _ in triggers(tfile + "2")] == ["start", "end"], "stalled: the end snapshot was still taken")

# 3. A counter that goes backwards (a restarted pod) is said and survived.
vals = {"r": 5, "f": 5}
fake = Metrics(lambda: "# TYPE ccx_consumer_received_total counter\nccx_consumer_received_total %d\n"
               "ccx_published_total %d\nccx_failures_total 0\n" % (vals["r"], vals["f"]))
plain = ingress.IngressServer(("127.0.0.1", 0)).start()


def restart():
    time.sleep(0.6)
    vals.update(r=0, f=0)


threading.Thread(target=restart, daemon=True).start()
rc, out, err, s = run(["upload", "--url", plain.url, "--archive-size", "4k", "--quiet", "--delay", "100ms",
                       "--duration", "1s", "--settle", "200ms", "--idle-metrics", fake.url,
                       "--snapshot-every", "300ms", "--trigger-exec", "true"], timeout=60)
check(rc == 0 and "went back from 5 to 0" in err and "counting on from 0" in err,
      "a counter going backwards is reported and the run goes on")

# 4. Bad metrics URLs: one line, exit 2, no upload sent.
def bad(url, needle, what, extra=()):
    n0 = plain_count()
    rc, out, err, s = run(["upload", "--url", plain.url, "--archive-size", "4k", "--quiet", "--max-uploads", "2",
                           "--idle-metrics", url] + list(extra), summary=False)
    lines = [l for l in err.splitlines() if l.strip()]
    check(rc == 2 and len(lines) == 1 and needle in lines[0] and plain_count() == n0,
          "%s: exit 2, one line (%r)" % (what, err.strip()))


counts = {"n": 0}
plain.on_upload = lambda rid, up, a: counts.update(n=counts["n"] + 1)


def plain_count():
    return counts["n"]


html = Metrics(lambda: "<html><body>metrics</body></html>\n")
absent = Metrics(lambda: "# TYPE ccx_published_total counter\nccx_published_total 3\nccx_failures_total 0\n")
nan = Metrics(lambda: "ccx_consumer_received_total NaN\nccx_published_total 1\nccx_failures_total 0\n")
bad("http://127.0.0.1:9/metrics", "--idle-metrics http://127.0.0.1:9/metrics", "unreachable metrics URL")
bad(html.url, "not Prometheus text: line 1", "an HTML page")
bad(absent.url, "no ccx_consumer_received_total in the metrics", "a counter absent altogether")
bad(nan.url, "ccx_consumer_received_total is nan, not a count", "a NaN counter")
bad(fake.url.replace("/metrics", "/nothing"), "HTTP 404", "a 404")
bad(absent.url, "no ccx_consumer_received_total", "--idle-finished changed, received still absent",
    ["--idle-finished", "ccx_published_total"])
rc, out, err, s = run(["upload", "--url", plain.url, "--archive-size", "4k", "--quiet", "--max-uploads", "2",
                       "--settle", "0", "--idle-metrics", absent.url, "--idle-received", "ccx_published_total",
                       "--idle-finished", "ccx_published_total"])
check(rc == 0 and s["phases"][0]["consumers"]["idle"] is True, "--idle-received/--idle-finished name other counters")
rc, out, err, s = run(["upload", "--url", plain.url, "--archive-size", "4k", "--quiet", "--max-uploads", "2",
                       "--settle", "0", "--idle-cmd", "test -e %s" % os.path.join(TMP, "go"),
                       "--idle-timeout", "700ms"])
check(rc == 0 and s["phases"][0]["consumers"]["idle"] is False and "--idle-cmd" in out,
      "--idle-cmd failing: not idle, the reason reported")
open(os.path.join(TMP, "go"), "w").close()
rc, out, err, s = run(["upload", "--url", plain.url, "--archive-size", "4k", "--quiet", "--max-uploads", "2",
                       "--settle", "0", "--idle-cmd", "test -e %s" % os.path.join(TMP, "go")])
check(rc == 0 and s["phases"][0]["consumers"]["idle"] is True, "--idle-cmd exiting 0: idle")
plain.stop()
done()
