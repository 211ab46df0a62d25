"""term.py - a service for test_on_term.sh: prints "ready" (after installing
its own SIGTERM handler with "own", which prints "own handler" and exits 7),
then sleeps up to 20 s and exits 0."""
import signal
import sys
import time

if len(sys.argv) > 1 and sys.argv[1] == "own":
    def handler(signum, frame):
        print("own handler", flush=True)
        sys.exit(7)
    signal.signal(signal.SIGTERM, handler)
print("ready", repr(signal.getsignal(signal.SIGTERM)), flush=True)
for _ in range(200):
    time.sleep(0.1)
