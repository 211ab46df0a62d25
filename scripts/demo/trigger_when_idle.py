"""trigger_when_idle.py - waits until the demo service has drained its queue,
then writes a new counter value into the tracer's trigger file.

ccx-driver runs it as its snapshot trigger (--trigger-exec) in each break, so
every snapshot is taken after the service has processed every upload it
accepted, not merely after the HTTP answers came back:

    python3 trigger_when_idle.py STATUS_URL TRIGGER_FILE [--timeout 60]
    python3 trigger_when_idle.py STATUS_URL --wait-only [--timeout 60]

STATUS_URL is the service's GET /status.  Exit 0 once triggered; 1 when the
service did not become idle in time (the trigger is still written, so the
run goes on, and the message says the snapshot may include queued work);
2 on a usage error.  Standard library only.
"""

import argparse
import json
import os
import sys
import time
import urllib.request


def status(url):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read().decode("utf-8"))


def bump(path):
    """Write the next counter value (a change of content, size or mtime)."""
    try:
        with open(path) as f:
            n = int(f.read().strip() or 0)
    except (OSError, ValueError):
        n = 0
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % (n + 1))
    os.replace(tmp, path)
    return n + 1


def main(argv=None):
    ap = argparse.ArgumentParser(description="trigger a snapshot once the demo service is idle")
    ap.add_argument("status_url")
    ap.add_argument("trigger_file", nargs="?")
    ap.add_argument("--wait-only", action="store_true",
                    help="only wait for the service to be idle; no trigger")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds")
    args = ap.parse_args(argv)
    if not args.wait_only and not args.trigger_file:
        ap.error("a TRIGGER_FILE is needed unless --wait-only")
    deadline = time.time() + args.timeout
    idle, last = False, None
    while time.time() < deadline:
        try:
            last = status(args.status_url)
            if last.get("idle"):
                idle = True
                break
        except (OSError, ValueError) as exc:
            last = {"error": str(exc)}
        time.sleep(0.1)
    if args.wait_only:
        if not idle:
            sys.stderr.write("trigger_when_idle: service not idle after %.0fs (%s)\n"
                             % (args.timeout, last))
        return 0 if idle else 1
    n = bump(args.trigger_file)
    if not idle:
        sys.stderr.write("trigger_when_idle: service not idle after %.0fs (%s); triggered anyway (#%d)\n"
                         % (args.timeout, last, n))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
