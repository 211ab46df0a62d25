"""pyhog.py - memory behaviours for the pressure tests (test_pressure_cgroup.sh).

  pyhog.py leak MIB_PER_STEP     keeps MIB_PER_STEP MiB more every 50 ms, for ever
  pyhog.py cache FILE PASSES     reads FILE from start to end PASSES times (page cache)
"""
import sys
import time


def leak(step):
    keep = []
    n = 0
    while True:
        n += 1
        keep.append(b"%08d" % n * (step * 131072))  # LEAK LINE
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
