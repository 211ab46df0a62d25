#!/usr/bin/env python3
"""test_analyzer_oom.py - running out of memory while reading a snapshot is
reported as out of memory (exit 2, one line naming the file), not as
"invalid JSON at byte N" (issue 12): the analyzer runs under an address-space
limit (RLIMIT_AS) that holds the file but not its JSON tree.  Skipped for an
AddressSanitizer build, which needs terabytes of address space for itself."""
import sys
sys.dont_write_bytecode = True  # no __pycache__ in the checkout
import json
import os
import resource
import subprocess

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from antest import build, check, finish, need_tool, root, tmp, tool  # noqa: E402,F401


with open(tool, "rb") as f:
    if b"__asan_init" in f.read():
        print("skip: %s is built with AddressSanitizer, which cannot run under an address-space limit" % tool)
        sys.exit(77)

# A valid snapshot of 400,000 small sites (about 31 MB): its cJSON tree
# takes some 300 MB.
head = {"format": "ccxtrace-snapshot", "version": 1, "pid": 1,
        "sampling": {"mode": "all", "interval_bytes": 0},
        "modules": [{"id": 0, "path": "/x.so"}],
        "frames": [{"id": 0, "kind": "native", "module": 0, "offset": "0x10", "symbol": "f", "symbol_offset": 1}],
        "stacks": [{"id": 0, "frames": [0]}]}
site = '{"stack":0,"layer":"libc","live_bytes":4096,"live_blocks":1,"live_samples":1}'
path = os.path.join(tmp, "ccxtrace.big.1.2.1.json")
with open(path, "w") as f:
    f.write(json.dumps(head)[:-1] + ', "sites": [' + ",".join([site] * 400000) + "]}")
size = os.path.getsize(path)

# Without a limit it reads fine: the file is valid.
p = subprocess.run([tool, "top", path, "-n", "1"], capture_output=True, text=True, timeout=300)
check(p.returncode == 0, "no limit: exit %d: %s" % (p.returncode, p.stderr.strip()))

for extra_mib in (48, 96):
    limit = size + (extra_mib << 20)

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    p = subprocess.run([tool, "top", path], capture_output=True, text=True, timeout=300, preexec_fn=cap)
    err = p.stderr.strip().splitlines()
    what = "limit file + %d MiB" % extra_mib
    check(p.returncode == 2, "%s: exit %d, want 2" % (what, p.returncode))
    check(len(err) == 1 and path in err[0] and "out of memory" in err[0],
          "%s: want one line naming the file and 'out of memory', got %r" % (what, err))
    check(not any("invalid JSON" in e or "truncated" in e for e in err), "%s: reported as bad JSON: %r" % (what, err))
    check(p.stdout == "", "%s: output on stdout" % what)
finish()
