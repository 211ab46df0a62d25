"""wl_fork_warn.py CASE [record] - forks the way services do, for
test_py_fork_output.sh, which compares its output traced and untraced.
CPython 3.12+ prints "DeprecationWarning: This process ... is
multi-threaded" after a fork when it counts more than one thread; the
tracer's helper thread must never be counted.  With "record" the warnings
are caught by warnings.catch_warnings(record=True) and printed on stdout.
Every case is deterministic untraced (no thread of its own at a fork)."""
import multiprocessing
import os
import subprocess
import sys
import warnings


def single():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def loop():
    for _ in range(50):
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        _, st = os.waitpid(pid, 0)
    print("last child", os.waitstatus_to_exitcode(st) if hasattr(os, "waitstatus_to_exitcode") else st >> 8)


def child(conn, x):
    conn.send(x * 2)
    conn.close()


def mp():
    ctx = multiprocessing.get_context("fork")
    total = 0
    for i in range(5):
        a, b = ctx.Pipe()
        p = ctx.Process(target=child, args=(b, i))
        p.start()
        total += a.recv()
        p.join()
    print("multiprocessing total", total, "exit", p.exitcode)


def sub():
    r = subprocess.run([sys.executable, "-c", "print('hello')"], capture_output=True, text=True)
    print("subprocess", r.stdout.strip(), r.returncode)
    r = subprocess.run(["true"], preexec_fn=lambda: None)
    print("preexec_fn", r.returncode)


def hooks():
    # 3.13.0 counts the threads after the after_in_parent callbacks
    def busy():
        n = 0
        for i in range(200):
            n += i
        return n
    os.register_at_fork(after_in_parent=busy)
    os.register_at_fork(after_in_parent=lambda: None)
    loop()


case = sys.argv[1]
if len(sys.argv) > 2:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        globals()[case]()
    print("recorded", [str(w.message) for w in caught])
else:
    globals()[case]()
print("done", case)
