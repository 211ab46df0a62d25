#!/usr/bin/env python3
"""test_driver_faults.py - ccx-driver against a fault-injecting server (a
raw socket server in this test, issue 12 item 4):

- an answer that is not HTTP ("Received HTTP/0.9 when not allowed") is a
  failed upload, counted as `not-http`, shown among the first error
  answers, never retried and never the end of the run (docs/driver.md: the
  run stops early only when the first upload cannot connect or resolve);
- a connection closed in the middle of a 202 (or after the whole body
  with no answer) is retried, and an upload that the server may thus have
  stored more than once is counted as a possible duplicate, in the text
  summary and the JSON; one whose retry was refused is not."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import socket
import threading

from drvtest import check, done, fast, need_driver, run

need_driver()


class FaultServer:
    """Answers request k (0, 1, ...) as script[k] says, then "202":
    "202" a whole JSON answer, keep-alive; "500" a whole 500 answer;
    "garbage" a line that is not HTTP, then close; "cut202" a 202 status
    line and headers announcing 200 bytes, 20 of them, then close;
    "close" the request is read in full, then the connection closes with
    no answer.  `stored` counts requests read in full that a real ingress
    would have kept (202, cut202, close)."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests = 0
        self.stored = 0
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = "http://127.0.0.1:%d/api/ingress/v1/upload" % self.sock.getsockname()[1]
        self.running = True
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    @staticmethod
    def read_request(conn, buf):
        """One whole request (headers and Content-Length body), or None."""
        while b"\r\n\r\n" not in buf:
            data = conn.recv(65536)
            if not data:
                return None, b""
            buf += data
        head, _, rest = buf.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(rest) < length:
            data = conn.recv(65536)
            if not data:
                return None, b""
            rest += data
        return head, rest[length:]

    def serve(self, conn):
        buf = b""
        with conn:
            while True:
                head, buf = self.read_request(conn, buf)
                if head is None:
                    return
                with self.lock:
                    k = self.requests
                    self.requests += 1
                    action = self.script[k] if k < len(self.script) else "202"
                    if action in ("202", "cut202", "close"):
                        self.stored += 1
                if action == "202":
                    body = b'{"request_id": "r%d", "upload": {}}' % k
                    conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                    continue
                if action == "500":
                    body = b'{"message": "injected 500"}'
                    conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: %d\r\n"
                                 b"Connection: close\r\n\r\n%s" % (len(body), body))
                elif action == "garbage":
                    conn.sendall(b"this is not an HTTP answer\r\n")
                elif action == "cut202":
                    conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                                 b"Content-Length: 200\r\n\r\n{\"request_id\": \"cut")
                return  # close (also "close": no answer at all)

    def stop(self):
        self.running = False
        self.sock.close()


def upload(srv, *extra):
    return run(fast(srv.url) + ["--delay", "0", "--concurrency", "1"] + list(extra))


# Every answer is not HTTP: each upload fails once (no retry), the run goes on.
srv = FaultServer(["garbage"] * 100)
rc, out, err, s = upload(srv, "--max-uploads", "3", "--retries", "2")
srv.stop()
check("stopped" not in err, "not-HTTP answers do not stop the run")
check(rc == 1 and "every upload" in err, "every upload failed: exit 1 (%d)" % rc)
check(s and s["uploads"] == 3 and s["by_status"] == {"not-http": 3},
      "3 uploads counted as not-http: %s" % (s and s["by_status"]))
check(srv.requests == 3 and s and s["retries"] == 0, "an answer that is not HTTP is not retried (%d requests)"
      % srv.requests)
check(s and any(e.startswith("not-http: ") and "HTTP/0.9" in e for e in s["first_errors"]),
      "the first error answers show curl's reason: %s" % (s and s["first_errors"]))
check("not-http 3" in out, "text summary: by status not-http 3")

# A non-HTTP answer to the very first request, then a working server.
srv = FaultServer(["garbage"])
rc, out, err, s = upload(srv, "--max-uploads", "4")
srv.stop()
check(rc == 0 and s and s["accepted"] == 3 and s["failed"] == 1 and s["by_status"] == {"not-http": 1, "202": 3},
      "first answer not HTTP, then 202s: 3 accepted, 1 failed (%s)" % (s and s["by_status"]))

# A 202 cut in the middle: retried and accepted, so stored twice.
srv = FaultServer(["cut202"])
rc, out, err, s = upload(srv, "--max-uploads", "3", "--retries", "3")
srv.stop()
check(rc == 0 and s and s["accepted"] == 3 and s["retries"] == 1, "cut 202: retried once, all accepted")
check(srv.stored == 4, "the server stored 4 requests for 3 uploads (%d)" % srv.stored)
check(s and s.get("possible_duplicates") == 1, "one possible duplicate in the JSON (%s)"
      % (s and s.get("possible_duplicates")))
check("possible duplicates: 1 " in out, "and in the text summary")

# The whole body sent, the connection closed with no answer, then a 202.
srv = FaultServer(["close", "cut202", "202"])
rc, out, err, s = upload(srv, "--max-uploads", "2", "--retries", "3")
srv.stop()
check(rc == 0 and s and s["accepted"] == 2 and s["retries"] == 2 and srv.stored == 4,
      "close, cut, 202: upload 1 sent three times (%d stored)" % srv.stored)
check(s and s.get("possible_duplicates") == 1, "counted once, as one possible duplicate (%s)"
      % (s and s.get("possible_duplicates")))

# A cut 202 whose retries are refused: stored once, no duplicate.
srv = FaultServer(["cut202", "500", "500"])
rc, out, err, s = upload(srv, "--max-uploads", "1", "--retries", "2")
srv.stop()
check(rc == 1 and s and s["by_status"] == {"500": 1} and s["retries"] == 2, "cut 202 then 500s: failed with 500")
check(s and s.get("possible_duplicates") == 0 and "possible duplicates" not in out,
      "a cut 202 followed by refusals is no duplicate")

# No duplicate without a fault: plain 202s.
srv = FaultServer()
rc, out, err, s = upload(srv, "--max-uploads", "5")
srv.stop()
check(rc == 0 and s and s["accepted"] == 5 and s.get("possible_duplicates") == 0 and srv.stored == 5,
      "plain 202s: no possible duplicates")
done()
