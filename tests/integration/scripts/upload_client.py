"""upload_client.py - a small standard-library uploader for the scripts' tests.

Builds gzip tar archives shaped like an Insights Operator archive (config/id
with a fresh cluster UUID, config/version.json, config/infrastructure.json,
config/clusteroperator/*.json, insights-operator/gathers.json) with tarfile
and sends them the way ingress receives them (multipart part "file", the
openshift content type, an x-rh-identity header) with http.client.  The
tests use it to drive the demo service without ccx-driver.

    make_archive(operators=6, pad=0) -> bytes
    upload(url, data, content_type=CONTENT_TYPE, identity=True) -> (status, dict)
    get_json(url) -> (status, dict)
"""

import base64
import http.client
import io
import json
import tarfile
import time
import urllib.parse
import uuid

CONTENT_TYPE = "application/vnd.redhat.openshift.periodic+tar"


def _add(tar, name, data):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o644
    tar.addfile(info, io.BytesIO(data))


def make_archive(operators=6, pad=0):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        _add(tar, "config/id", (str(uuid.uuid4()) + "\n").encode())
        _add(tar, "config/version.json", json.dumps({
            "spec": {"channel": "stable-4.14"},
            "status": {"desired": {"version": "4.14.%d" % (operators % 20)},
                       "history": [{"version": "4.14.0"}, {"version": "4.13.9"}]}}).encode())
        _add(tar, "config/infrastructure.json", json.dumps({
            "status": {"platform": "AWS", "apiServerURL": "https://api.example:6443"}}).encode())
        for i in range(operators):
            conds = [{"type": t, "status": "False" if t == "Degraded" else "True",
                      "message": "operator %d condition %s %s" % (i, t, "x" * pad)}
                     for t in ("Available", "Progressing", "Degraded", "Upgradeable")]
            _add(tar, "config/clusteroperator/op-%02d.json" % i, json.dumps({
                "metadata": {"name": "op-%02d" % i}, "status": {"conditions": conds}}).encode())
        _add(tar, "insights-operator/gathers.json", json.dumps({
            "gatherers": [{"name": "g%d" % i, "errors": [] if i % 5 else ["timeout"]}
                          for i in range(20)]}).encode())
    return buf.getvalue()


def identity_header(org_id="123456", account="7890"):
    doc = {"identity": {"type": "User", "account_number": account, "org_id": org_id,
                        "internal": {"org_id": org_id}}}
    return base64.b64encode(json.dumps(doc).encode()).decode()


def upload(url, data, content_type=CONTENT_TYPE, identity=True, timeout=30):
    u = urllib.parse.urlsplit(url)
    boundary = uuid.uuid4().hex
    body = b"".join([
        b"--" + boundary.encode() + b"\r\n",
        b'Content-Disposition: form-data; name="file"; filename="archive.tar.gz"\r\n',
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n",
        data, b"\r\n--" + boundary.encode() + b"--\r\n"])
    headers = {"Content-Type": "multipart/form-data; boundary=" + boundary}
    if identity:
        headers["x-rh-identity"] = identity_header()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("POST", u.path, body=body, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        doc = json.loads(raw.decode() or "{}")
    except ValueError:
        doc = {"raw": raw.decode("latin-1")}
    return resp.status, doc


def get_json(url, timeout=10):
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", u.path)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    return resp.status, json.loads(raw.decode() or "{}")
