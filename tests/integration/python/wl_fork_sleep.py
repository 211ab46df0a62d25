"""wl_fork_sleep.py MODE DIR - a single-threaded process that blocks for
the whole run, for test_py_fork_triggers.sh.  MODE sleep: time.sleep(60);
select: select.select([], [], [], 60); fork: os.fork() first, then the
parent sleeps and the child waits in select().  Each process writes its
pid to DIR/<role>.pid once it is about to block."""
import os
import select
import sys
import time

mode, d = sys.argv[1], sys.argv[2]


def block(role, how):
    with open(os.path.join(d, role + ".tmp"), "w") as f:
        f.write(str(os.getpid()))
    os.rename(os.path.join(d, role + ".tmp"), os.path.join(d, role + ".pid"))
    if how == "sleep":
        time.sleep(60)
    else:
        select.select([], [], [], 60)


if mode == "fork":
    pid = os.fork()
    if pid == 0:
        block("child", "select")
        os._exit(0)
    block("parent", "sleep")
else:
    block("main", mode)
