#!/usr/bin/env python3
"""test_driver_archive.py - `ccx-driver make-archive`: tar and Python's
tarfile read it; it holds config/id with a fresh version-4 UUID,
config/version.json and config/infrastructure.json naming the same cluster,
config/clusteroperator/*.json and insights-operator/gathers.json, all
valid JSON; --archive-size sets the compressed size."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import json
import os
import re
import subprocess
import tarfile

from drvtest import DRIVER, TMP, check, done, need_driver, run

need_driver()
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
ids = set()
for size, lo, hi in (("100k", 95 * 1024, 105 * 1024), ("1MiB", 1000 * 1024, 1050 * 1024), ("4k", 2048, 6 * 1024)):
    path = os.path.join(TMP, "a-%s.tar.gz" % size)
    rc, out, err, _ = run(["make-archive", "-o", path, "--archive-size", size], summary=False)
    check(rc == 0 and os.path.exists(path), "make-archive %s" % size)
    n = os.path.getsize(path)
    check(lo <= n <= hi, "%s archive is %d bytes compressed" % (size, n))
    listing = subprocess.run(["tar", "tzf", path], capture_output=True, text=True)
    check(listing.returncode == 0 and "config/id" in listing.stdout.split(), "tar tzf reads it")
    extract = os.path.join(TMP, "x-" + size)
    os.mkdir(extract)
    check(subprocess.run(["tar", "xzf", path, "-C", extract]).returncode == 0, "tar xzf extracts it")
    with tarfile.open(path, "r:gz") as t:
        names = t.getnames()
        cid = t.extractfile("config/id").read().decode()
        docs = {n: json.load(t.extractfile(n)) for n in names if n.endswith(".json")}
    with open(os.path.join(extract, "config", "id")) as f:
        check(f.read() == cid, "tar and tarfile agree on config/id")
    check(UUID4.match(cid) is not None, "config/id is a version-4 UUID: %s" % cid)
    ids.add(cid)
    check(docs["config/version.json"]["spec"]["clusterID"] == cid, "version.json names the cluster")
    check(docs["config/infrastructure.json"]["kind"] == "Infrastructure", "infrastructure.json")
    ops = [n for n in names if n.startswith("config/clusteroperator/")]
    check(len(ops) >= 3 and all(docs[n]["kind"] == "ClusterOperator" for n in ops), "clusteroperator files")
    check(len(docs["insights-operator/gathers.json"]["status_reports"]) >= 1, "gathers.json")
check(len(ids) == 3, "every archive has its own cluster id")
p = subprocess.run([DRIVER, "make-archive", "-o", "-", "--archive-size", "8k"], capture_output=True)
check(p.returncode == 0 and p.stdout[:2] == b"\x1f\x8b" and 4096 < len(p.stdout) < 12288,
      "make-archive -o - writes the archive to stdout")
done()
