"""pyhog.py - memory behaviours for the pressure tests (test_pressure_cgroup.sh).

  pyhog.py leak KIB_PER_STEP     keeps KIB_PER_STEP KiB more every 50 ms, for ever
  pyhog.py cache FILE PASSES     reads FILE from start to end PASSES times (page cache)
"""
import sys
import time


def leak(step):
    keep = []
    n = 0
    while True:
        n += 1
        keep.append(b"%08d" % n * (step * 128))  # LEAK LINE
        time.sleep(0.05)


def cache(path, passes):
    total = 0
    for _ in range(passes):
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 20)
                if not b:
                    break
                total += len(b)
    print(total)


if __name__ == "__main__":
    if sys.argv[1] == "leak":
        leak(int(sys.argv[2]))
    else:
        cache(sys.argv[2], int(sys.argv[3]))
