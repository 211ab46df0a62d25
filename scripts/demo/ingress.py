"""ingress.py - the Insights ingress upload API, as a small standard-library module.

Validates requests exactly the way ccxtrace's contract (shared DESIGN.md,
"driver/") describes the real ingress service, so that ccx-driver's tests
(tests/lib/ingress_server.py) and the demo service (scripts/demo/service.py)
accept and refuse the same requests the real one does.

The API (stable; the demo service and the test server import it):

    UPLOAD_PATH   "/api/ingress/v1/upload"
    MAX_SIZE      100 MiB, the default largest accepted request body / file part

    read_body(rfile, headers, max_size=MAX_SIZE) -> bytes | None
        Reads a request body (Content-Length or chunked) from rfile.  Returns
        None when it is larger than max_size; the body is then read and
        discarded (never stored) so the connection stays usable.

    validate_upload(method, path, headers, body, max_size=MAX_SIZE)
        -> (status, json_body: dict, archive: bytes | None)
        headers: any mapping with case-insensitive .get() (http.client's
        HTTPMessage) or a plain dict (keys compared case-insensitively).
        body: the raw request body, or None when read_body() found it too
        large.  Answers like ingress:
          202 {"request_id": "<32 hex>", "upload": {"account_number", "org_id",
               "service", "category", "filename", "content_type", "size"}}
              archive = the bytes of the part named "file"
          400 missing or malformed multipart body, no part named "file",
              missing / undecodable x-rh-identity, identity without
              identity.type or an org_id (identity.org_id or
              identity.internal.org_id)
          413 body or file part larger than max_size
          415 the file part's content type does not match
              application/vnd.redhat.<service>.<category>[+suffix]
          404 another path, 405 another method
        Every non-202 body is {"message": "<one line saying why>"}.
        The checks are made in this order: path, method, size, identity,
        multipart form, file part, content type.

    class IngressServer(address=("127.0.0.1", 3000), on_upload=None,
                        max_size=MAX_SIZE, verbose=False)
        A threaded HTTP/1.1 server (http.server.ThreadingHTTPServer) that
        answers POST UPLOAD_PATH with validate_upload().  After a 202,
        on_upload(request_id, upload_dict, archive_bytes) is called in the
        request's thread before the answer is sent; if it raises, the client
        gets 500 {"message": "staging error: ..."} (ingress's staging error).
        GET /health answers 200 {"status": "ok"}.
        .url          the upload URL ("http://host:port/api/ingress/v1/upload")
        .start()      serve in a daemon thread, return self
        .stop()       shut down and close the socket
        .serve_forever() as usual.
        Subclasses may override .process(method, path, headers, body)
        -> (status, dict), which by default is validate_upload() plus
        on_upload.

Run as a script it serves the API: python3 ingress.py [--port N] [--max-size BYTES].
"""

import base64
import binascii
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["UPLOAD_PATH", "MAX_SIZE", "CONTENT_TYPE_RE", "read_body",
           "validate_upload", "IngressServer", "IngressHandler"]

UPLOAD_PATH = "/api/ingress/v1/upload"
MAX_SIZE = 100 * 1024 * 1024

# application/vnd.redhat.<service>.<category>, optionally with a +suffix
# ("+tar", "+tgz") and parameters, as ingress's content-type check.
CONTENT_TYPE_RE = re.compile(
    r"^application/vnd\.redhat\.([a-z0-9-]+)\.([a-z0-9-]+)(\+[a-z0-9.+-]+)?\s*(;.*)?$")

_CHUNK = 64 * 1024


def _header(headers, name):
    """headers.get(name), case-insensitive even for a plain dict."""
    value = headers.get(name)
    if value is None and isinstance(headers, dict):
        low = name.lower()
        for k, v in headers.items():
            if k.lower() == low:
                return v
    return value


def read_body(rfile, headers, max_size=MAX_SIZE):
    """The request body, or None (read and discarded) if it exceeds max_size."""
    te = (_header(headers, "Transfer-Encoding") or "").lower()
    if "chunked" in te:
        parts, total, over = [], 0, False
        while True:
            line = rfile.readline(1024)
            if not line:
                break
            try:
                n = int(line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                break
            if n == 0:
                while rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            left = n
            while left > 0:
                data = rfile.read(min(left, _CHUNK))
                if not data:
                    break
                left -= len(data)
                total += len(data)
                if total > max_size:
                    over = True
                    parts = []
                elif not over:
                    parts.append(data)
            rfile.readline(16)  # CRLF after the chunk
        return None if over else b"".join(parts)
    try:
        length = int(_header(headers, "Content-Length") or 0)
    except ValueError:
        length = 0
    if length > max_size:
        left = length
        while left > 0:
            data = rfile.read(min(left, _CHUNK))
            if not data:
                break
            left -= len(data)
        return None
    return rfile.read(length) if length > 0 else b""


def _error(status, message):
    return status, {"message": message}, None


def _identity(header):
    """(identity dict, None) or (None, reason)."""
    if not header:
        return None, "missing x-rh-identity header"
    try:
        raw = base64.b64decode(header.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None, "x-rh-identity is not valid base64"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "x-rh-identity does not decode to JSON"
    ident = doc.get("identity") if isinstance(doc, dict) else None
    if not isinstance(ident, dict):
        return None, "x-rh-identity has no identity object"
    if not isinstance(ident.get("type"), str) or not ident["type"]:
        return None, "x-rh-identity has no identity.type"
    org = ident.get("org_id")
    internal = ident.get("internal")
    if (not isinstance(org, str) or not org) and isinstance(internal, dict):
        org = internal.get("org_id")
    if not isinstance(org, str) or not org:
        return None, "x-rh-identity has no org_id"
    return ident, None


def _boundary(content_type):
    m = re.match(r"^\s*multipart/form-data\s*;(.*)$", content_type or "", re.I | re.S)
    if not m:
        return None
    for param in m.group(1).split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "boundary":
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            return value or None
    return None


def _parts(body, boundary):
    """[(headers dict lower-cased, content bytes)] or None if malformed."""
    delim = b"--" + boundary.encode("latin-1")
    start = body.find(delim)
    if start < 0:
        return None
    parts = []
    pos = start + len(delim)
    while True:
        if body[pos:pos + 2] == b"--":
            return parts  # closing delimiter
        if body[pos:pos + 2] != b"\r\n":
            return None
        pos += 2
        head_end = body.find(b"\r\n\r\n", pos)
        if head_end < 0:
            return None
        headers = {}
        for line in body[pos:head_end].split(b"\r\n"):
            if not line:
                continue
            key, sep, value = line.partition(b":")
            if not sep:
                return None
            headers[key.decode("latin-1").strip().lower()] = value.decode("latin-1").strip()
        nxt = body.find(b"\r\n" + delim, head_end + 4)
        if nxt < 0:
            return None
        parts.append((headers, body[head_end + 4:nxt]))
        pos = nxt + 2 + len(delim)


def _disposition(value):
    """(name, filename) from a Content-Disposition header value."""
    params = {}
    for m in re.finditer(r';\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)', value or ""):
        v = m.group(2).strip()
        if v.startswith('"'):
            v = re.sub(r"\\(.)", r"\1", v[1:-1])
        params[m.group(1).lower()] = v
    return params.get("name"), params.get("filename")


def validate_upload(method, path, headers, body, max_size=MAX_SIZE):
    """(status, json body, archive bytes or None) for one request; see the top."""
    if path.split("?", 1)[0] != UPLOAD_PATH:
        return _error(404, "not found: " + path)
    if method != "POST":
        return _error(405, "method not allowed: " + method)
    if body is None or len(body) > max_size:
        return _error(413, "upload too large (max %d bytes)" % max_size)
    ident, why = _identity(_header(headers, "x-rh-identity"))
    if ident is None:
        return _error(400, why)
    boundary = _boundary(_header(headers, "Content-Type"))
    if boundary is None:
        return _error(400, "request is not multipart/form-data with a boundary")
    parts = _parts(body, boundary)
    if parts is None:
        return _error(400, "malformed multipart body")
    file_part = None
    for part_headers, content in parts:
        name, filename = _disposition(part_headers.get("content-disposition"))
        if name == "file":
            file_part = (part_headers, content, filename)
            break
    if file_part is None:
        return _error(400, "no part named 'file' in the form")
    part_headers, content, filename = file_part
    if len(content) > max_size:
        return _error(413, "upload too large (max %d bytes)" % max_size)
    ctype = part_headers.get("content-type", "")
    m = CONTENT_TYPE_RE.match(ctype)
    if not m:
        return _error(415, "content type not accepted: %r" % ctype)
    internal = ident.get("internal") if isinstance(ident.get("internal"), dict) else {}
    org = ident.get("org_id") or internal.get("org_id")
    upload = {
        "account_number": ident.get("account_number") or "",
        "org_id": org,
        "service": m.group(1),
        "category": m.group(2),
        "filename": filename or "",
        "content_type": ctype,
        "size": len(content),
    }
    return 202, {"request_id": uuid.uuid4().hex, "upload": upload}, content


class IngressHandler(BaseHTTPRequestHandler):
    """Reads each request and answers with server.process()."""
    protocol_version = "HTTP/1.1"
    server_version = "ccx-ingress/1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def _handle(self):
        body = read_body(self.rfile, self.headers, self.server.max_size)
        status, doc = self.server.process(self.command, self.path, self.headers, body)
        self.send_json(status, doc)

    do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def do_GET(self):
        if self.path.split("?", 1)[0] == "/health":
            self.send_json(200, {"status": "ok"})
        else:
            self._handle()

    def send_json(self, status, doc):
        data = json.dumps(doc).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, fmt, *args):
        if self.server.verbose:
            super().log_message(fmt, *args)


class IngressServer(ThreadingHTTPServer):
    """The ingress upload API on a threaded HTTP server; see the top."""
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address=("127.0.0.1", 3000), on_upload=None,
                 max_size=MAX_SIZE, verbose=False, handler=IngressHandler):
        self.on_upload = on_upload
        self.max_size = max_size
        self.verbose = verbose
        self._thread = None
        super().__init__(address, handler)

    @property
    def url(self):
        host, port = self.server_address[:2]
        return "http://%s:%d%s" % (host, port, UPLOAD_PATH)

    def process(self, method, path, headers, body):
        status, doc, archive = validate_upload(method, path, headers, body, self.max_size)
        if status == 202 and self.on_upload is not None:
            try:
                self.on_upload(doc["request_id"], doc["upload"], archive)
            except Exception as exc:  # any failure to stage is ingress's 500
                return 500, {"message": "staging error: %s" % exc}
        return status, doc

    def start(self):
        # a short poll interval so stop() returns within 0.1 s
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True, name="ingress-server")
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()
        if self._thread is not None:
            self._thread.join(5)


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description="Serve the Insights ingress upload API.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=3000)
    ap.add_argument("--max-size", type=int, default=MAX_SIZE, help="bytes")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    server = IngressServer((args.host, args.port), max_size=args.max_size,
                           verbose=args.verbose)
    print("ingress: listening on %s" % server.url, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
