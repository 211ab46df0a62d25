#!/usr/bin/env bash
# bench_preload.sh - what libccxtrace.so costs (make bench).
#   (a) mbench.c: 2 threads of malloc/free, log-uniform 16 B .. 64 KiB
#   (b) pywork.py: an allocation-heavy Python workload, PYTHONMALLOC=malloc
# each untraced, with ccxtrace sampling (default 512 KiB), ccxtrace `all`
# and heaptrack; REPEATS (default 5) interleaved rounds (timing.py), medians
# of wall and CPU time, ratios to untraced.  Then the tracer's own memory against RSS in
# sampling mode, and the time to write a snapshot of 131,072 distinct
# stacks, and (with valgrind) instruction counts of (b).  Prints a table;
# never fails on a number (speed is a ratio here, not a test).
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${CCX_BUILD:-$root/build}
tmp=${CCX_TMP:-$(mktemp -d)}
here=$root/tests/bench/preload
lib=$build/lib/libccxtrace.so
repeats=${REPEATS:-5}
[ -f "$lib" ] || { echo "no $lib"; exit 1; }
py=/usr/bin/python3
gcc -O2 -g -o "$tmp/mbench" "$here/mbench.c" -lpthread || exit 1
gcc -O2 -g -o "$tmp/manystacks" "$here/manystacks.c" || exit 1
have_ht=0
command -v heaptrack >/dev/null && have_ht=1

configs="base sample:LD_PRELOAD=$lib all:LD_PRELOAD=$lib,CCXTRACE_SAMPLE=all"
[ $have_ht = 1 ] && configs="$configs heaptrack"
[ $have_ht = 1 ] || echo "(heaptrack not installed: its row is missing)"
echo "medians of $repeats interleaved runs; ratios to untraced (CPU time is the steadier figure on a loaded machine)"
$py "$here/timing.py" "$repeats" "(a) mbench: 2 threads x 2M malloc/free, 16 B-64 KiB" -- $configs -- "$tmp/mbench" 2000000
PYTHONMALLOC=malloc $py "$here/timing.py" "$repeats" "(b) python json workload, PYTHONMALLOC=malloc" -- $configs -- "$py" "$here/pywork.py" 40

# instructions executed (callgrind: deterministic, unlike times on a shared
# machine) for a short run of (b), untraced and sampled
if command -v valgrind >/dev/null; then
    ir() {
        PYTHONMALLOC=malloc CCXTRACE_AT_EXIT=0 "$@" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
            "$py" "$here/pywork.py" 3 2>&1 >/dev/null | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
    }
    a=$(ir env) b=$(ir env LD_PRELOAD=$lib)
    awk -v a="$a" -v b="$b" 'BEGIN { printf "(b) instructions (callgrind, 3 rounds): untraced %d, sampling %d: %.3fx\n", a, b, b / a }'
fi

# the tracer's own memory in sampling mode, against RSS, at exit
d=$tmp/mem
mkdir -p "$d"
PYTHONMALLOC=malloc CCXTRACE_DIR=$d LD_PRELOAD=$lib "$py" "$here/pywork.py" 40 >/dev/null
f=$(ls "$d"/*.json | tail -n 1)
$py - "$f" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
self_b, rss = d["tracer"]["self_bytes"], d["process"]["rss_bytes"]
limit = 0.05 * rss + 16 * 2**20
print("tracer.self_bytes (sampling, python workload at exit): %.1f MiB; RSS %.1f MiB; target <= 5%% of RSS + 16 MiB = %.1f MiB: %s"
      % (self_b / 2**20, rss / 2**20, limit / 2**20, "met" if self_b <= limit else "NOT met"))
PYEOF

# writing a snapshot of 131,072 distinct stacks
d=$tmp/many
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_SAMPLE=all CCXTRACE_DEPTH=32 LD_PRELOAD=$lib "$tmp/manystacks"
f=$(ls "$d"/*.json | tail -n 1)
$py - "$f" <<'PYEOF'
import json, os, sys
d = json.load(open(sys.argv[1]))
t = d["tracer"]
print("snapshot of %d distinct stacks (%d frames, %.1f MiB): written in %.0f ms (target < 1000 ms: %s)"
      % (t["stacks"], len(d["frames"]), os.path.getsize(sys.argv[1]) / 2**20, t["write_ms"],
         "met" if t["write_ms"] < 1000 else "NOT met"))
PYEOF
