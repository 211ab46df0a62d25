#!/usr/bin/env python3
"""test_analyzer_oom.py - running out of memory while reading a snapshot is
reported as out of memory (exit 2, one line naming the file), not as
"invalid JSON at byte N" (issue 12): the analyzer runs under address-space
limits (RLIMIT_AS) that hold the program but not what the snapshot needs.
The reader streams (issue 19), so the limits are below the snapshot's own
records (1,200,000 sites of 56 bytes each), not below a JSON tree of it; and
a 40 MB string it must keep (the command line) runs out in the JSON
reader's string buffer.  Skipped for an AddressSanitizer build, which needs
terabytes of address space for itself."""
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

# A valid snapshot of 1,200,000 small sites (94 MB): read, its sites
# take 67 MB.
head = {"format": "ccxtrace-snapshot", "version": 1, "pid": 1,
        "sampling": {"mode": "all", "interval_bytes": 0},
        "modules": [{"id": 0, "path": "/x.so"}],
        "frames": [{"id": 0, "kind": "native", "module": 0, "offset": "0x10", "symbol": "f", "symbol_offset": 1}],
        "stacks": [{"id": 0, "frames": [0]}]}
site = '{"stack":0,"layer":"libc","live_bytes":4096,"live_blocks":1,"live_samples":1}'
path = os.path.join(tmp, "ccxtrace.big.1.2.1.json")
with open(path, "w") as f:
    f.write(json.dumps(head)[:-1] + ', "sites": [' + ",".join([site] * 1200000) + "]}")
# The same with a 40 MB command line and one site.
long_path = os.path.join(tmp, "ccxtrace.big.1.2.2.json")
with open(long_path, "w") as f:
    f.write(json.dumps(dict(head, cmdline="x" * (40 << 20)))[:-1] + ', "sites": [' + site + "]}")

# Without a limit they read fine: the files are valid.
for f in (path, long_path):
    p = subprocess.run([tool, "top", f, "-n", "1"], capture_output=True, text=True, timeout=300)
    check(p.returncode == 0, "no limit: exit %d: %s" % (p.returncode, p.stderr.strip()))

for snap, limit_mib in ((path, 16), (path, 32), (path, 48), (long_path, 32)):
    limit = limit_mib << 20

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    p = subprocess.run([tool, "top", snap], capture_output=True, text=True, timeout=300, preexec_fn=cap)
    err = p.stderr.strip().splitlines()
    what = "%s, limit %d MiB" % (os.path.basename(snap), limit_mib)
    check(p.returncode == 2, "%s: exit %d, want 2" % (what, p.returncode))
    check(len(err) == 1 and snap in err[0] and "out of memory" in err[0],
          "%s: want one line naming the file and 'out of memory', got %r" % (what, err))
    check(not any("invalid JSON" in e or "truncated" in e for e in err), "%s: reported as bad JSON: %r" % (what, err))
    check(p.stdout == "", "%s: output on stdout" % what)
finish()
