#!/usr/bin/env python3
"""ingress_server.py - the validating ingress test server for ccx-driver's tests.

Checks every upload exactly as the real ingress does (scripts/demo/ingress.py:
multipart part "file", content type application/vnd.redhat.<service>.<category>,
x-rh-identity = base64 JSON with identity.type and an org_id; 202 with
{"request_id", "upload"}), and adds test controls:

  --answer STATUS     answer every upload with STATUS (400, 413, 415, 500, ...)
                      instead of validating (the body is still read)
  --answer-first N    only the first N uploads get --answer; later ones are
                      validated normally (to test retries that succeed)
  --stall SECONDS     wait this long before answering each upload
  --max-size BYTES    ingress's size limit (default 100 MiB)
  --port N            0 (default) picks a free port
  --port-file FILE    write the chosen port there once listening
  --log FILE          one JSON line per upload request: t (epoch seconds when
                      the request arrived), done (when answered), status,
                      bytes (request body), org_id, content_type, filename,
                      request_id, message (why a request was refused)

Control over HTTP while it runs (so one server can serve several cases):
  GET  /stats    {"requests": N, "by_status": {"202": N, ...}}
  POST /control  JSON {"answer": STATUS|null, "answer_first": N|null,
                 "stall": SECONDS, "reset": true}  (reset zeroes the counts)

Usage from Python:  srv = TestIngress(...).start(); srv.url; srv.stats(); srv.stop()
"""

import argparse
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "scripts", "demo"))
import ingress  # noqa: E402


class TestIngress(ingress.IngressServer):
    def __init__(self, port=0, max_size=ingress.MAX_SIZE, answer=None,
                 answer_first=None, stall=0.0, log_path=None):
        super().__init__(("127.0.0.1", port), max_size=max_size)
        self.lock = threading.Lock()
        self.answer = answer
        self.answer_first = answer_first
        self.stall = stall
        self.requests = 0
        self.by_status = {}
        self.log = open(log_path, "a", buffering=1) if log_path else None

    def stats(self):
        with self.lock:
            return {"requests": self.requests, "by_status": dict(self.by_status)}

    def control(self, doc):
        with self.lock:
            if doc.get("reset"):
                self.requests = 0
                self.by_status = {}
            if "answer" in doc:
                self.answer = doc["answer"]
            if "answer_first" in doc:
                self.answer_first = doc["answer_first"]
            if "stall" in doc:
                self.stall = float(doc["stall"] or 0)

    def process(self, method, path, headers, body):
        route = path.split("?", 1)[0]
        if route == "/stats":
            return 200, self.stats()
        if route == "/control" and method == "POST":
            try:
                self.control(json.loads(body or b"{}"))
            except (ValueError, AttributeError) as exc:
                return 400, {"message": "bad control: %s" % exc}
            return 200, self.stats()
        t = time.time()
        with self.lock:
            self.requests += 1
            n = self.requests
            answer, first, stall = self.answer, self.answer_first, self.stall
        if stall:
            time.sleep(stall)
        if answer is not None and (first is None or n <= first):
            status, doc = answer, {"message": "test server told to answer %d" % answer}
        else:
            status, doc, _ = ingress.validate_upload(method, path, headers, body, self.max_size)
        with self.lock:
            self.by_status[str(status)] = self.by_status.get(str(status), 0) + 1
            if self.log:
                up = doc.get("upload", {})
                self.log.write(json.dumps({
                    "t": t, "done": time.time(), "status": status,
                    "bytes": -1 if body is None else len(body),
                    "org_id": up.get("org_id"), "content_type": up.get("content_type"),
                    "filename": up.get("filename"),
                    "request_id": doc.get("request_id"),
                    "message": doc.get("message")}) + "\n")
        return status, doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--answer", type=int)
    ap.add_argument("--answer-first", type=int)
    ap.add_argument("--stall", type=float, default=0.0)
    ap.add_argument("--max-size", type=int, default=ingress.MAX_SIZE)
    ap.add_argument("--log")
    a = ap.parse_args()
    srv = TestIngress(a.port, a.max_size, a.answer, a.answer_first, a.stall, a.log)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()


if __name__ == "__main__":
    main()
