#!/usr/bin/env python3
"""test_ingress_api.py - scripts/demo/ingress.py, the ingress API module the
test server and the demo service share: validate_upload() answers each
request the way DESIGN.md describes ingress, and the threaded server
answers real HTTP (Content-Length and chunked bodies, size limit)."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import base64
import http.client
import json
import os

from drvtest import ROOT, check, done

sys.path.insert(0, os.path.join(ROOT, "scripts", "demo"))
import ingress  # noqa: E402

P = ingress.UPLOAD_PATH
CT = "application/vnd.redhat.openshift.periodic+tar"


def ident(doc):
    return base64.b64encode(json.dumps(doc).encode()).decode()


GOOD_ID = ident({"identity": {"type": "User", "account_number": "1", "org_id": "42",
                              "internal": {"org_id": "42"}}})


def form(part_name="file", ctype=CT, data=b"\x1f\x8barchive", boundary="XyZ"):
    body = (("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"a.tar.gz\"\r\n"
             "Content-Type: %s\r\n\r\n" % (boundary, part_name, ctype)).encode() + data +
            ("\r\n--%s--\r\n" % boundary).encode())
    return body, {"Content-Type": "multipart/form-data; boundary=%s" % boundary}


def v(body, headers, identity=GOOD_ID, method="POST", path=P, max_size=ingress.MAX_SIZE):
    h = dict(headers)
    if identity is not None:
        h["X-RH-Identity"] = identity
    return ingress.validate_upload(method, path, h, body, max_size)


body, hdr = form()
status, doc, archive = v(body, hdr)
check(status == 202 and archive == b"\x1f\x8barchive", "valid upload: 202 and the archive bytes")
check(len(doc["request_id"]) == 32 and doc["upload"]["org_id"] == "42" and doc["upload"]["service"] == "openshift"
      and doc["upload"]["category"] == "periodic", "202 body: request_id and upload")
check(v(body, hdr, identity=ident({"identity": {"type": "User", "internal": {"org_id": "7"}}}))[0] == 202,
      "org_id from identity.internal is enough")
check(v(body, hdr, identity=None)[0] == 400, "missing identity: 400")
check(v(body, hdr, identity="%%%notbase64")[0] == 400, "identity not base64: 400")
check(v(body, hdr, identity=base64.b64encode(b"not json").decode())[0] == 400, "identity not JSON: 400")
check(v(body, hdr, identity=ident({"identity": {"org_id": "1"}}))[0] == 400, "identity without type: 400")
check(v(body, hdr, identity=ident({"identity": {"type": "User"}}))[0] == 400, "identity without org_id: 400")
check(v(body, hdr, identity=ident(["identity"]))[0] == 400, "identity not an object: 400")
b2, h2 = form(part_name="upload")
check(v(b2, h2)[0] == 400, "no part named file: 400")
check(v(body, {"Content-Type": "application/json"})[0] == 400, "not multipart: 400")
check(v(body[:40], hdr)[0] == 400, "truncated multipart: 400")
for ctype, want in (("application/x-tar", 415), ("application/vnd.redhat.openshift", 415),
                    ("text/plain", 415), ("application/vnd.redhat.advisor.collection+tgz", 202),
                    ("application/vnd.redhat.openshift.periodic", 202)):
    b3, h3 = form(ctype=ctype)
    check(v(b3, h3)[0] == want, "content type %s: %d" % (ctype, want))
check(v(body, hdr, max_size=10)[0] == 413, "body over max_size: 413")
check(v(None, hdr)[0] == 413, "body dropped by read_body (None): 413")
check(v(body, hdr, path="/other")[0] == 404 and v(body, hdr, method="PUT")[0] == 405, "404 / 405")

# Over real HTTP, with a staging hook that fails on demand.
seen = []


def on_upload(rid, up, data):
    if up["org_id"] == "fail":
        raise OSError("disk full")
    seen.append((rid, data))


srv = ingress.IngressServer(("127.0.0.1", 0), on_upload=on_upload, max_size=1000).start()
port = srv.server_address[1]


def post(body, headers, chunked=False):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    if chunked:
        c.putrequest("POST", P)
        for k, val in headers.items():
            c.putheader(k, val)
        c.putheader("Transfer-Encoding", "chunked")
        c.endheaders()
        for i in range(0, len(body), 7):
            piece = body[i:i + 7]
            c.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        c.send(b"0\r\n\r\n")
    else:
        c.request("POST", P, body=body, headers=headers)
    r = c.getresponse()
    out = (r.status, json.loads(r.read()))
    c.close()
    return out


h = dict(hdr, **{"x-rh-identity": GOOD_ID})
st, d = post(body, h)
check(st == 202 and seen and seen[-1] == (d["request_id"], b"\x1f\x8barchive"), "HTTP: 202, on_upload got the archive")
st, d = post(body, h, chunked=True)
check(st == 202 and seen[-1][1] == b"\x1f\x8barchive", "HTTP chunked body: 202")
big, bh = form(data=b"x" * 5000)
check(post(big, dict(bh, **{"x-rh-identity": GOOD_ID}))[0] == 413, "HTTP: over max_size: 413")
check(post(big, dict(bh, **{"x-rh-identity": GOOD_ID}), chunked=True)[0] == 413, "HTTP chunked over max_size: 413")
st, d = post(body, dict(hdr, **{"x-rh-identity": ident({"identity": {"type": "User", "org_id": "fail"}})}))
check(st == 500 and "staging error" in d["message"], "HTTP: a failing on_upload is a 500 staging error")
c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
c.request("GET", "/health")
check(c.getresponse().status == 200, "GET /health")
srv.stop()
done()
