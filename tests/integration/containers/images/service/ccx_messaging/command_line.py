"""Entry point of the stand-in service: a worker that keeps what it makes.

ccx-messaging CONFIG [--run-for SECONDS]

Reads CONFIG, prints "ready", then every 0.2 s makes a batch of records and
keeps it (a steady, known growth for the snapshots to show).  It installs
no signal handlers, like the real service: as pid 1 of its container it
ignores SIGTERM, so "podman stop" ends it with SIGKILL after the timeout.
--run-for ends it normally after SECONDS (exit 0, the tracer's exit snapshot).
"""
import sys
import time


class Record:
    def __init__(self, n):
        self.n = n
        self.payload = bytearray(2048)


def ccx_messaging():
    args = sys.argv[1:]
    run_for = None
    if "--run-for" in args:
        i = args.index("--run-for")
        run_for = float(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1:
        print("usage: ccx-messaging CONFIG [--run-for SECONDS]", file=sys.stderr)
        return 2
    with open(args[0]) as f:
        f.read()
    kept = []
    print("ready", flush=True)
    start = time.monotonic()
    while run_for is None or time.monotonic() - start < run_for:
        kept.append([Record(i) for i in range(50)])
        time.sleep(0.2)
    return 0
