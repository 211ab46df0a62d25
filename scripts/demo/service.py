"""service.py - the demo service that `make demo` traces.

A small stand-in for an ingress-fed ccx-messaging worker: it accepts the
Insights ingress upload API (ingress.py: the same validation the driver's
test server uses), answers 202 at once, queues the archive on a bounded
queue (503 when it is full, so the queue itself never grows without bound)
and a worker thread extracts it and runs insights-style components through
a Broker (pipeline.py).

    python3 service.py [--mode leaky|cyclic|fixed] [--host H] [--port N]
                       [--queue N] [--detail-rows N] [--ready-file F]

Modes (pipeline.py explains the cycle):
    leaky   (default) the exceptions a Broker records stay reachable through
            a stray list of recent failures: every Broker leaks.
    cyclic  only the Broker -> exception -> traceback -> frame -> Broker
            cycle.  Each Broker is kept as "the last one" until the next
            upload, and the worker runs a collection of the young
            generations (gc.collect(1)) after every upload, so each Broker
            sits in the oldest generation before it becomes garbage; and
            full collections are made rare (the gen2 threshold is raised),
            the way they are in a service with a large long-lived heap.
            Only a full collection (gc.collect()) frees them.
    fixed   add_exception clears the traceback: nothing accumulates.
The gc regime is the same in every mode; only the code differs.

Besides the upload API: GET /health, GET /status (JSON: mode, received,
processed, failed, rejected_full, queue depth, live Brokers, gc counts) and
GET /metrics: the Prometheus text the ccx-messaging consumers expose, with
their names: ccx_consumer_received_total when the worker takes an archive
off its queue (the queue stands for Kafka: on_recv), then exactly one of
ccx_published_total (processed) or ccx_failures_total (not processed), and
the last Broker's dict sizes as ccx_broker_instances_size,
ccx_broker_exceptions_size and ccx_broker_tracebacks_size; `make demo`
waits on them with ccx-driver --idle-metrics.
SIGTERM and SIGINT stop it cleanly (exit 0).

Standard library only; every CPython 3.9-3.13.
"""

import argparse
import gc
import json
import os
import queue
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ingress   # noqa: E402  (scripts/demo/ingress.py)
import pipeline  # noqa: E402

# The gen2 threshold that makes full collections rare (see the top).
RARE_FULL_COLLECTIONS = 1000000


class Worker:
    """Takes archives off a bounded queue and processes them one by one."""

    def __init__(self, mode="leaky", queue_size=64, tmpdir=None):
        if mode not in pipeline.MODES:
            raise ValueError("unknown mode %r (want one of %s)" % (mode, ", ".join(pipeline.MODES)))
        self.mode = mode
        self.queue = queue.Queue(maxsize=queue_size)
        self.tmpdir = tmpdir
        self.lock = threading.Lock()
        self.received = 0
        self.taken = 0           # off the queue: ccx_consumer_received_total
        self.processed = 0
        self.failed = 0          # archives that could not be processed at all
        self.component_errors = 0
        self.rejected_full = 0
        self.last_broker = None
        # leaky mode's stray reference: every failure, kept "for an error page"
        self.recent_failures = []
        self._thread = None

    def configure_gc(self):
        t0, t1, _t2 = gc.get_threshold()
        gc.set_threshold(t0, t1, RARE_FULL_COLLECTIONS)

    def offer(self, request_id, archive):
        """Queue an archive; False when the queue is full."""
        try:
            self.queue.put_nowait((request_id, archive))
        except queue.Full:
            with self.lock:
                self.rejected_full += 1
            return False
        with self.lock:
            self.received += 1
        return True

    def process(self, archive):
        """Process one archive now (the worker thread calls this)."""
        try:
            broker = pipeline.process_archive(archive, self.mode, self.tmpdir)
        except Exception as exc:   # not a gzip tar, unreadable member, ...
            with self.lock:
                self.failed += 1
            sys.stderr.write("demo-service: archive not processed: %s\n" % exc)
            return None
        finally:
            del archive   # extracted: drop the raw bytes (this frame may be pinned)
        errors = sum(len(v) for v in broker.exceptions.values())
        if self.mode == "leaky":
            for excs in broker.exceptions.values():
                self.recent_failures.extend(excs)
        # Keep it as "the last Broker" until the next one, and promote it
        # (and everything it holds) to the oldest generation meanwhile.
        self.last_broker = broker
        del broker
        gc.collect(1)
        with self.lock:
            self.processed += 1
            self.component_errors += errors
        return self.last_broker

    def run(self):
        while True:
            item = self.queue.get()
            if item is None:
                self.queue.task_done()
                return
            with self.lock:
                self.taken += 1
            try:
                self.process(item[1])
            finally:
                self.queue.task_done()

    def start(self):
        self.configure_gc()
        self._thread = threading.Thread(target=self.run, name="demo-worker", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=10):
        if self._thread is None:
            return
        while True:
            try:
                self.queue.put(None, timeout=0.1)
                break
            except queue.Full:
                try:   # drop waiting work: we are stopping
                    self.queue.get_nowait()
                    self.queue.task_done()
                except queue.Empty:
                    pass
        self._thread.join(timeout)

    def metrics(self):
        """The consumers' counters in the Prometheus text format (0.0.4)."""
        with self.lock:
            counters = (("ccx_consumer_received_total", "Archives taken off the queue", self.taken),
                        ("ccx_published_total", "Archives processed", self.processed),
                        ("ccx_failures_total", "Archives that could not be processed", self.failed))
            broker = self.last_broker
            gauges = (("ccx_broker_instances_size", "Instances in the last Broker",
                       len(broker.instances) if broker else 0),
                      ("ccx_broker_exceptions_size", "Exceptions in the last Broker",
                       len(broker.exceptions) if broker else 0),
                      ("ccx_broker_tracebacks_size", "Tracebacks in the last Broker",
                       len(broker.tracebacks) if broker else 0))
        lines = []
        for kind, rows in (("counter", counters), ("gauge", gauges)):
            for name, text, value in rows:
                lines += ["# HELP %s %s" % (name, text), "# TYPE %s %s" % (name, kind),
                          "%s %d" % (name, value)]
        return "\n".join(lines) + "\n"

    def status(self):
        with self.lock:
            doc = {"mode": self.mode, "received": self.received,
                   "processed": self.processed, "failed": self.failed,
                   "component_errors": self.component_errors,
                   "rejected_full": self.rejected_full,
                   "queue_depth": self.queue.qsize(),
                   "queue_max": self.queue.maxsize}
        # unfinished_tasks drops only after an archive is fully processed
        doc["idle"] = self.queue.unfinished_tasks == 0
        doc["live_brokers"] = len(pipeline.LIVE_BROKERS)
        doc["gc_count"] = list(gc.get_count())
        doc["gc_collections"] = [s["collections"] for s in gc.get_stats()]
        doc["pid"] = os.getpid()
        return doc


class DemoHandler(ingress.IngressHandler):
    """The ingress handler, and GET /metrics as text."""

    def do_GET(self):
        if self.path.split("?", 1)[0] != "/metrics":
            return super().do_GET()
        data = self.server.worker.metrics().encode("utf-8")
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


class DemoServer(ingress.IngressServer):
    """The ingress API feeding a Worker: 202 when queued, 503 when full."""

    def __init__(self, address, worker, **kw):
        self.worker = worker
        kw.setdefault("handler", DemoHandler)
        super().__init__(address, **kw)

    def process(self, method, path, headers, body):
        route = path.split("?", 1)[0]
        if method == "GET" and route == "/status":
            return 200, self.worker.status()
        status, doc, archive = ingress.validate_upload(method, path, headers, body,
                                                       self.max_size)
        if status != 202:
            return status, doc
        if not self.worker.offer(doc["request_id"], archive):
            return 503, {"message": "processing queue full (%d); retry later"
                         % self.worker.queue.maxsize}
        return 202, doc


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="ccxtrace demo service: an ingress-fed, insights-style worker")
    ap.add_argument("--mode", choices=pipeline.MODES, default="leaky")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=3000, help="0 picks a free port")
    ap.add_argument("--queue", type=int, default=64, help="queue length before 503")
    ap.add_argument("--max-size", type=int, default=ingress.MAX_SIZE,
                    help="largest accepted upload, bytes")
    ap.add_argument("--detail-rows", type=int, default=pipeline.DEFAULT_DETAIL_ROWS,
                    help="report rows the failing rule renders per archive")
    ap.add_argument("--ready-file",
                    help="write the upload URL here once listening")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.queue < 1 or args.detail_rows < 1:
        ap.error("--queue and --detail-rows must be at least 1")

    pipeline.configure(args.detail_rows)
    worker = Worker(args.mode, args.queue).start()
    try:
        server = DemoServer((args.host, args.port), worker, max_size=args.max_size,
                            verbose=args.verbose)
    except OSError as exc:
        sys.stderr.write("demo-service: cannot listen on %s:%d: %s\n"
                         % (args.host, args.port, exc.strerror or exc))
        return 1

    def stop(signum, _frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)

    print("demo-service: mode %s, pid %d, listening on %s"
          % (args.mode, os.getpid(), server.url), flush=True)
    if args.ready_file:
        tmp = args.ready_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(server.url + "\n")
        os.replace(tmp, args.ready_file)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        worker.stop()
    st = worker.status()
    print("demo-service: stopped after %d uploads (%d processed, %d failed, %d refused: queue full)"
          % (st["received"], st["processed"], st["failed"], st["rejected_full"]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
