#!/usr/bin/env python3
"""test_driver_clusters.py - the cluster id of each upload (issue 20): by
default every upload carries a new one, consistently in config/id,
config/version.json, the multipart file name and the identity
(identity.system.cluster_id); `--clusters N` reuses N ids, `--clusters
keep` sends each archive's own; `--archives DIR` archives get the new id
wherever their own id (from config/id) appears in file data, and nothing
else changes.  Every archive the server receives is one gzip member and
passes `gzip -t`, `tar tzf`, and Python's tarfile in `r:gz` and `r|gz`."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import base64
import collections
import io
import json
import os
import re
import subprocess
import tarfile
import threading
import zlib

from drvtest import ROOT, TMP, check, done, need_driver, run

sys.path.insert(0, os.path.join(ROOT, "scripts", "demo"))
import ingress  # noqa: E402

need_driver()
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class Capture(ingress.IngressServer):
    """The validating ingress that keeps every accepted upload's identity,
    file name and archive bytes."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0))
        self.got = []
        self.lock = threading.Lock()

    def process(self, method, path, headers, body):
        status, doc, archive = ingress.validate_upload(method, path, headers, body, self.max_size)
        if status == 202:
            ident = json.loads(base64.b64decode(headers.get("x-rh-identity")))
            with self.lock:
                self.got.append((ident, doc["upload"]["filename"], archive))
        return status, doc


def members(data):
    """tar member name -> content, read with tarfile in mode."""
    out = {}
    for mode in ("r:gz", "r|gz"):
        seen = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode=mode) as t:
            for e in t:
                if e.isfile():
                    seen[e.name] = t.extractfile(e).read()
        out[mode] = seen
    return out


def archive_ok(data, where):
    """Every reader accepts it; it is a single gzip member."""
    d = zlib.decompressobj(31)
    d.decompress(data)
    single = d.eof and d.unused_data == b""
    gz = subprocess.run(["gzip", "-t"], input=data, capture_output=True)
    tar = subprocess.run(["tar", "tzf", "-"], input=data, capture_output=True)
    m = members(data)
    return single and gz.returncode == 0 and tar.returncode == 0 and m["r:gz"] == m["r|gz"], m["r|gz"]


def upload(args):
    srv = Capture().start()
    rc, out, err, s = run(["upload", "--url", srv.url, "--archive-size", "8k", "--quiet", "--delay", "0"] + args)
    srv.stop()
    return rc, s, srv.got


def ids_seen(got, what):
    """(ids from config/id, failures) after checking each upload's consistency."""
    ids, bad = [], []
    for n, (ident, filename, data) in enumerate(got):
        ok, files = archive_ok(data, what)
        cid = files.get("config/id", b"").decode().strip()
        version = json.loads(files.get("config/version.json", b"{}"))
        sys_id = ident.get("identity", {}).get("system", {}).get("cluster_id")
        if not ok:
            bad.append("upload %d: not a single valid gzip tar" % n)
        if not UUID4.match(cid):
            bad.append("upload %d: config/id %r" % (n, cid))
        if version.get("spec", {}).get("clusterID") != cid:
            bad.append("upload %d: version.json names %r" % (n, version.get("spec", {}).get("clusterID")))
        if sys_id != cid:
            bad.append("upload %d: identity system.cluster_id %r, config/id %r" % (n, sys_id, cid))
        ids.append((cid, filename))
    return ids, bad


# Default: a new id in every upload, everywhere.
N = 60
rc, s, got = upload(["--max-uploads", str(N), "--concurrency", "4", "--pool", "3"])
ids, bad = ids_seen(got, "default")
check(rc == 0 and len(got) == N, "default: %d uploads accepted (%d)" % (N, len(got)))
check(not bad, "default: every archive valid and consistent: %s" % bad[:3])
check(len({i for i, _ in ids}) == N, "default: %d distinct cluster ids (%d)" % (N, len({i for i, _ in ids})))
check(all(f == "insights-%s.tar.gz" % i for i, f in ids), "default: the file name carries the id")

# --clusters 4: 4 ids, each used in turn.
rc, s, got = upload(["--max-uploads", "12", "--concurrency", "1", "--clusters", "4"])
ids, bad = ids_seen(got, "--clusters 4")
counts = collections.Counter(i for i, _ in ids)
check(rc == 0 and not bad, "--clusters 4: every archive valid and consistent: %s" % bad[:3])
check(len(counts) == 4 and set(counts.values()) == {3}, "--clusters 4: 4 ids, 3 uploads each: %s" % dict(counts))

# --clusters keep: the pool's own ids (2 archives, 2 ids).
rc, s, got = upload(["--max-uploads", "6", "--pool", "2", "--clusters", "keep"])
ids, bad = ids_seen(got, "keep")
check(rc == 0 and not bad and len({i for i, _ in ids}) == 2, "--clusters keep: the pool's 2 ids (%s)"
      % sorted({i for i, _ in ids}))

# --identity-json with a system object: its cluster_id follows the upload.
ident = {"identity": {"type": "System", "org_id": "42", "auth_type": "uhc-auth",
                      "system": {"cluster_id": "old-id"}}}
rc, s, got = upload(["--max-uploads", "3", "--identity-json", json.dumps(ident)])
ids, bad = ids_seen(got, "identity-json")
check(rc == 0 and not bad and len({i for i, _ in ids}) == 3, "--identity-json: system.cluster_id rewritten (%s)" % bad[:2])
check(all(g[0]["identity"]["auth_type"] == "uhc-auth" and g[0]["identity"]["org_id"] == "42" for g in got),
      "--identity-json: the rest of the document as given")

# --archives DIR: the archive's own id is replaced in file data only.
adir = os.path.join(TMP, "archives")
os.mkdir(adir)
OLD = "0f1e2d3c-4b5a-4978-8877-665544332211"
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as t:
    def add(name, text):
        data = text.encode()
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    add("config/id", OLD + "\n")
    add("config/version.json", json.dumps({"spec": {"clusterID": OLD}}))
    add("config/%s.txt" % OLD, "cluster %s, again %s\n" % (OLD, OLD))
    add("config/other.txt", "no id here\n")
with open(os.path.join(adir, "insights-%s.tar.gz" % OLD), "wb") as f:
    f.write(buf.getvalue())
rc, s, got = upload(["--max-uploads", "5", "--archives", adir])
ids, bad = ids_seen(got, "archives")
check(rc == 0 and len(got) == 5 and not bad, "--archives: every archive valid and consistent: %s" % bad[:3])
new = {i for i, _ in ids}
check(len(new) == 5 and OLD not in new, "--archives: 5 new ids, never the archive's own")
check(all(f == "insights-%s.tar.gz" % i for i, f in ids), "--archives: the id in the file name is replaced")
fine = True
for (cid, _), (_, _, data) in zip(ids, got):
    files = members(data)["r|gz"]
    fine = fine and files.get("config/%s.txt" % OLD) == ("cluster %s, again %s\n" % (cid, cid)).encode()
    fine = fine and files.get("config/other.txt") == b"no id here\n"
    fine = fine and files.get("config/id") == (cid + "\n").encode()
check(fine, "--archives: file data rewritten (twice in one file), file names inside the tar kept")
rc, s, got = upload(["--max-uploads", "2", "--archives", adir, "--clusters", "keep"])
check(rc == 0 and all(g[2] == buf.getvalue() for g in got), "--archives --clusters keep: the file's own bytes")

rc, out, err, _ = run(["upload", "--url", "http://127.0.0.1:9/x", "--clusters", "0"], summary=False)
check(rc == 2 and "--clusters '0'" in err, "--clusters 0 is refused")
done()
