"""pyleak.py DIR N - asks for a snapshot (ccxtrace_snapshot through ctypes),
keeps N bytearrays of 1000 bytes, asks for a second one; waits for each
file.  Prints the two sequence numbers."""
import ctypes
import glob
import sys
import time

snap = ctypes.CDLL(None).ccxtrace_snapshot
snap.argtypes = [ctypes.c_char_p]
snap.restype = ctypes.c_int


def wait(seq):
    for _ in range(1000):
        if glob.glob("%s/ccxtrace.*.%d.json" % (sys.argv[1], seq)):
            return
        time.sleep(0.01)
    raise SystemExit("snapshot %d never appeared" % seq)


def leak(n):
    return [bytearray(1000) for _ in range(n)]


a = snap(b"before")
wait(a)
kept = leak(int(sys.argv[2]))
b = snap(b"after")
wait(b)
print(a, b, len(kept))
