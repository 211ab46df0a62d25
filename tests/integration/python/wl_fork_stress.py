"""wl_fork_stress.py N - N forks (children exit at once) while snapshots
are requested: ccxtrace_snapshot() every 10th fork (printing the sequence
number it returned) and SIGUSR2 from test_py_fork_stress.sh's sender.
Prints "forks N" at the end."""
import ctypes
import os
import sys

n = int(sys.argv[1])
snap = ctypes.CDLL(None).ccxtrace_snapshot
snap.argtypes = [ctypes.c_char_p]
for i in range(n):
    if i % 10 == 0:
        print("seq", snap(b"fork-%d" % i), flush=True)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
print("forks", n)
