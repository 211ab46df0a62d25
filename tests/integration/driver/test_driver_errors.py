#!/usr/bin/env python3
"""test_driver_errors.py - every input error of ccx-driver is one clear line
naming the input, with exit status 2, before any upload is sent: malformed
durations, sizes and counts, bad URLs, empty or unreadable archive
directories, files that are not gzip tars, unknown options and
subcommands, trigger targets that do not exist."""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the checkout

import gzip
import os

from drvtest import TMP, check, done, need_driver, run, server

need_driver()
srv = server()
URL = srv.url


def usage_error(args, needle, what):
    rc, out, err, s = run(args, summary=False)
    lines = [l for l in err.splitlines() if l.strip()]
    check(rc == 2, "%s: exit 2 (got %d)" % (what, rc))
    check(len(lines) == 1 and needle in lines[0], "%s: one line naming it (%r)" % (what, err.strip()))


up = ["upload", "--url", URL, "--quiet", "--pool", "1", "--archive-size", "4k"]
usage_error(up + ["--duration", "5 parsecs"], "--duration '5 parsecs'", "malformed duration")
usage_error(up + ["--delay", "1x"], "--delay '1x'", "malformed delay")
usage_error(up + ["--archive-size", "10 bananas"], "--archive-size", "malformed size")
usage_error(up + ["--concurrency", "0"], "--concurrency", "zero concurrency")
usage_error(up + ["--rate", "fast"], "--rate 'fast'", "malformed rate")
usage_error(up + ["--mode", "bursts", "--burst-length", "soon"], "--burst-length 'soon'", "malformed burst length")
usage_error(up + ["--frobnicate"], "unknown option '--frobnicate'", "unknown option")
usage_error(["frobnicate"], "unknown subcommand 'frobnicate'", "unknown subcommand")
usage_error([], "a subcommand is needed", "no subcommand")
usage_error(["upload", "--url", "ftp://example.com/x", "--quiet"], "not an http:// or https:// URL", "ftp URL")
usage_error(["upload", "--url", "http://", "--quiet"], "--url 'http://'", "URL without a host")
usage_error(["upload", "--url", "not a url", "--quiet"], "--url 'not a url'", "garbage URL")

empty = os.path.join(TMP, "empty")
os.mkdir(empty)
with open(os.path.join(empty, "readme.txt"), "w") as f:
    f.write("no archives here\n")
usage_error(up + ["--archives", empty], "no .tar.gz or .tgz files", "empty archive directory")
usage_error(up + ["--archives", os.path.join(TMP, "missing")], "No such file or directory", "missing archive directory")

notgz = os.path.join(TMP, "notgz")
os.mkdir(notgz)
with open(os.path.join(notgz, "a.tar.gz"), "w") as f:
    f.write("plain text, not gzip\n")
usage_error(up + ["--archives", notgz], "a.tar.gz: not gzip", "a .tar.gz that is not gzip")

gznottar = os.path.join(TMP, "gznottar")
os.mkdir(gznottar)
with gzip.open(os.path.join(gznottar, "b.tgz"), "wb") as f:
    f.write(b"gzip, but the content is not a tar archive at all\n" * 20)
usage_error(up + ["--archives", gznottar], "b.tgz: not a gzip tar", "gzip that is not a tar")

trunc = os.path.join(TMP, "trunc")
os.mkdir(trunc)
full = os.path.join(TMP, "full.tar.gz")
rc, _, _, _ = run(["make-archive", "-o", full, "--archive-size", "20k"], summary=False)
with open(full, "rb") as f:
    data = f.read()
with open(os.path.join(trunc, "c.tar.gz"), "wb") as f:
    f.write(data[: len(data) // 2])
usage_error(up + ["--archives", trunc], "c.tar.gz: not a gzip tar", "truncated archive")

if os.geteuid() != 0:
    locked = os.path.join(TMP, "locked")
    os.mkdir(locked)
    os.chmod(locked, 0)
    usage_error(up + ["--archives", locked], "Permission denied", "unreadable archive directory")
    os.chmod(locked, 0o755)

usage_error(up + ["--snapshot-dir", os.path.join(TMP, "nodir"), "--trigger-file", os.path.join(TMP, "t")],
            "--snapshot-dir", "missing snapshot directory")
usage_error(up + ["--snapshot-dir", TMP], "needs a trigger", "snapshot directory without a trigger")
usage_error(up + ["--trigger-file", os.path.join(TMP, "no", "such", "dir", "t")], "does not exist",
            "trigger file in a missing directory")
usage_error(up + ["--trigger-signal", "1073741800"], "no process 1073741800", "signal to a missing pid")
usage_error(["make-archive"], "-o FILE", "make-archive without -o")
usage_error(["make-archive", "-o", os.path.join(TMP, "no", "such", "x.tar.gz")], "No such file", "make-archive into a missing directory")

check(srv.stats()["requests"] == 0, "no upload was sent by any failing command")
srv.stop()
done()
