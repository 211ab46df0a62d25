"""timing.py - interleaved repeats for bench_preload.sh.

  timing.py REPEATS NAME -- CONFIG=ENVSPEC... -- CMD...

Each CONFIG is "label" or "label:VAR=VALUE,VAR=VALUE" (VAR=VALUE pairs
added to the environment; "heaptrack" runs the command under heaptrack).
Runs every config once per round, REPEATS rounds, and prints the medians
of wall time and CPU time (user + system of the process and its children,
from wait4) and their ratios to the first config."""
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main(argv):
    repeats, name = int(argv[1]), argv[2]
    rest = argv[4:]
    sep = rest.index("--")
    configs, cmd = rest[:sep], rest[sep + 1:]
    wall = {c: [] for c in configs}
    cpu = {c: [] for c in configs}
    tmp = tempfile.mkdtemp()
    for _ in range(repeats):
        for c in configs:
            label, _, spec = c.partition(":")
            env = dict(os.environ)
            for kv in filter(None, spec.split(",")):
                k, _, v = kv.partition("=")
                env[k] = v
            full = ["heaptrack", "-o", os.path.join(tmp, "ht")] + cmd if label == "heaptrack" else cmd
            t0 = time.monotonic()
            p = subprocess.Popen(full, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp)
            _, status, ru = os.wait4(p.pid, 0)
            wall[c].append(time.monotonic() - t0)
            cpu[c].append(ru.ru_utime + ru.ru_stime)
            if status != 0:
                print("%s: %s exited with status %d" % (name, label, status))
            for f in os.listdir(tmp):
                os.unlink(os.path.join(tmp, f))
    base = configs[0]
    bw, bc = statistics.median(wall[base]), statistics.median(cpu[base])
    print(name)
    for c in configs:
        w, u = statistics.median(wall[c]), statistics.median(cpu[c])
        print("  %-10s wall %7.3fs %5.2fx   cpu %7.3fs %5.2fx" % (c.partition(":")[0], w, w / bw, u, u / bc))


if __name__ == "__main__":
    main(sys.argv)
