"""demo_service_check.py - checks the demo service from inside its process.

    python demo_service_check.py ROOT leaky|cyclic|fixed   the Broker lifetimes
    python demo_service_check.py ROOT http                 the upload API, 503, /status
    python demo_service_check.py ROOT process              the service as a program

Measures against ground truth counted here: Broker objects present in the
heap (gc.get_objects()), what each Broker recorded, gc's own statistics.
Prints one line per check; exit 1 on the first failure.
"""

import gc
import os
import signal
import subprocess
import sys
import tempfile
import time

ROOT = sys.argv[1]
WHAT = sys.argv[2]
sys.path.insert(0, os.path.join(ROOT, "scripts", "demo"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline         # noqa: E402
import service          # noqa: E402
import upload_client    # noqa: E402

PY = "%d.%d" % sys.version_info[:2]


def check(cond, what):
    if not cond:
        print("FAIL [%s %s] %s" % (PY, WHAT, what))
        sys.exit(1)
    print("ok   [%s %s] %s" % (PY, WHAT, what))


def brokers():
    return sum(1 for o in gc.get_objects() if type(o) is pipeline.Broker)


def lifetimes(mode):
    n = 12
    archives = [upload_client.make_archive(operators=4 + i % 3) for i in range(n)]
    worker = service.Worker(mode)
    worker.configure_gc()
    gc.collect()
    base = brokers()
    full0 = gc.get_stats()[2]["collections"]
    counts = []
    for data in archives:
        if worker.process(data) is None:
            check(False, "archive processed")
        counts.append(brokers() - base)
    full1 = gc.get_stats()[2]["collections"]
    last = worker.last_broker
    errs = last.exceptions.get(pipeline.operator_conditions, [])
    check(len(errs) == 1 and isinstance(errs[0], pipeline.ComponentError),
          "the failing rule's exception is recorded (%d)" % len(errs))
    check(isinstance(last.tracebacks[errs[0]], str) and "ComponentError" in last.tracebacks[errs[0]],
          "its formatted traceback is recorded")
    check(pipeline.cluster_operators in last and pipeline.cluster_info in last,
          "parsers and combiner results recorded")
    check(worker.processed == n and worker.component_errors == n,
          "processed %d, component errors %d" % (worker.processed, worker.component_errors))
    if mode == "fixed":
        check(errs[0].__traceback__ is None, "fixed: traceback cleared")
        check(max(counts) <= 1, "fixed: at most the last Broker alive (counts %s)" % counts)
    else:
        check(errs[0].__traceback__ is not None, "%s: traceback kept" % mode)
        check(counts == list(range(1, n + 1)),
              "%s: one more Broker per upload (counts %s)" % (mode, counts))
        check(full1 == full0, "no full collection during %d uploads (%d -> %d)"
              % (n, full0, full1))
    del last, errs
    freed = gc.collect()
    after = brokers() - base
    if mode == "leaky":
        check(after == n, "leaky: gc.collect() frees nothing (%d Brokers, %d collected)"
              % (after, freed))
        # the stray reference holds them: dropping it frees them
        worker.recent_failures = []
        worker.last_broker = None
        gc.collect()
        check(brokers() - base == 0, "leaky: freed once the stray list is dropped")
    elif mode == "cyclic":
        check(after <= 1 and freed > 0,
              "cyclic: gc.collect() frees them (%d left, %d collected)" % (after, freed))
    else:
        check(after <= 1, "fixed: still at most one (%d)" % after)


def http_api():
    worker = service.Worker("fixed", queue_size=2)   # not started: the queue fills
    server = service.DemoServer(("127.0.0.1", 0), worker).start()
    try:
        url = server.url
        base = url[:url.index("/api/")]
        data = upload_client.make_archive()
        st, doc = upload_client.upload(url, data)
        check(st == 202 and len(doc.get("request_id", "")) == 32
              and doc["upload"]["size"] == len(data), "202 with request_id and size")
        st, doc = upload_client.upload(url, data, content_type="application/zip")
        check(st == 415, "415 for another content type (%d)" % st)
        st, doc = upload_client.upload(url, data, identity=False)
        check(st == 400, "400 without identity (%d)" % st)
        st, doc = upload_client.upload(url, data)
        check(st == 202, "second upload queued (%d)" % st)
        st, doc = upload_client.upload(url, data)
        check(st == 503 and "queue full" in doc.get("message", ""),
              "503 when the queue is full (%d %s)" % (st, doc))
        st, doc = upload_client.get_json(base + "/status")
        check(st == 200 and doc["received"] == 2 and doc["rejected_full"] == 1
              and doc["queue_depth"] == 2 and doc["mode"] == "fixed",
              "/status counts (%s)" % doc)
        worker.start()
        deadline = time.time() + 20
        while time.time() < deadline and not worker.status()["idle"]:
            time.sleep(0.05)
        st, doc = upload_client.upload(url, b"not a gzip tar")
        check(st == 202, "a bad archive is accepted like ingress does (%d)" % st)
        # The worker counts an archive before it marks itself idle: wait for both.
        deadline = time.time() + 20
        s = worker.status()
        while time.time() < deadline and not (s["failed"] + s["processed"] >= 3 and s["idle"]):
            time.sleep(0.05)
            s = worker.status()
        check(s["processed"] == 2 and s["failed"] == 1 and s["idle"],
              "worker drained the queue: 2 processed, 1 failed (%s)" % s)
    finally:
        server.stop()
        worker.stop()


def as_program():
    tmp = tempfile.mkdtemp(prefix="demo-svc-")
    ready = os.path.join(tmp, "ready")
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "scripts", "demo", "service.py"),
                             "--mode", "leaky", "--port", "0", "--ready-file", ready],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 20
        while not os.path.exists(ready) and time.time() < deadline:
            time.sleep(0.05)
        check(os.path.exists(ready), "ready file written")
        url = open(ready).read().strip()
        base = url[:url.index("/api/")]
        n = 5
        for _ in range(n):
            st, _doc = upload_client.upload(url, upload_client.make_archive())
            check(st == 202, "upload accepted")
        deadline = time.time() + 20
        while time.time() < deadline:
            st, doc = upload_client.get_json(base + "/status")
            if doc["processed"] >= n:
                break
            time.sleep(0.1)
        check(doc["processed"] == n and doc["live_brokers"] == n and doc["pid"] == proc.pid,
              "service processed %d uploads, %d Brokers alive (%s)" % (n, n, doc))
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=20)[0].decode()
        check(proc.returncode == 0 and "stopped after 5 uploads" in out,
              "SIGTERM stops it cleanly (exit %s): %s" % (proc.returncode, out.strip()))
        bad = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "demo", "service.py"),
                              "--mode", "nonsense"], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
        check(bad.returncode == 2 and b"invalid choice" in bad.stdout, "a bad mode is a usage error")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for f in os.listdir(tmp):
            os.unlink(os.path.join(tmp, f))
        os.rmdir(tmp)


if WHAT in pipeline.MODES:
    lifetimes(WHAT)
elif WHAT == "http":
    http_api()
elif WHAT == "process":
    as_program()
else:
    sys.exit("unknown check " + WHAT)
