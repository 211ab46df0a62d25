#!/usr/bin/env bash
# bench_preload.sh - what libccxtrace.so costs (make bench).
#   (a) mbench.c: 2 threads of malloc/free, log-uniform 16 B .. 64 KiB
#   (b) pywork.py: an allocation-heavy Python workload, PYTHONMALLOC=malloc
# each untraced, with ccxtrace sampling (default 512 KiB), ccxtrace `all`
# and heaptrack; REPEATS (default 5) interleaved rounds, medians of wall
# time, ratios to untraced.  Then the tracer's own memory against RSS in
# sampling mode, and the time to write a snapshot of 131,072 distinct
# stacks.  Prints a table; never fails on a number (speed is a ratio here,
# not a test).
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

# run CONFIG CMD... -> seconds of wall time on stdout
run() {
    local cfg=$1; shift
    local d=$tmp/snap.$cfg
    mkdir -p "$d"
    local t0=$EPOCHREALTIME
    case $cfg in
        base) "$@" >/dev/null 2>&1 ;;
        sample) CCXTRACE_DIR=$d LD_PRELOAD=$lib "$@" >/dev/null 2>&1 ;;
        all) CCXTRACE_DIR=$d CCXTRACE_SAMPLE=all LD_PRELOAD=$lib "$@" >/dev/null 2>&1 ;;
        heaptrack) heaptrack -o "$tmp/ht.$RANDOM" "$@" >/dev/null 2>&1 ;;
    esac
    local t1=$EPOCHREALTIME
    rm -f "$d"/*.json "$tmp"/ht.*
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

configs="base sample all"
[ $have_ht = 1 ] && configs="$configs heaptrack"
bench() { # NAME CMD...
    local name=$1; shift
    declare -A times
    for r in $(seq "$repeats"); do
        for c in $configs; do
            times[$c]+="$(run "$c" "$@") "
        done
    done
    local base
    base=$(echo "${times[base]}" | tr ' ' '\n' | grep . | median)
    printf '%-28s' "$name"
    for c in $configs; do
        local m
        m=$(echo "${times[$c]}" | tr ' ' '\n' | grep . | median)
        printf '  %-10s %7.3fs %5.2fx' "$c" "$m" "$(awk -v a="$m" -v b="$base" 'BEGIN { print a / b }')"
    done
    echo
}

echo "medians of $repeats interleaved runs; ratio = median / untraced median"
[ $have_ht = 1 ] || echo "(heaptrack not installed: its column is missing)"
bench "(a) mbench 2x2M malloc/free" "$tmp/mbench" 2000000
PYTHONMALLOC=malloc bench "(b) python json workload" "$py" "$here/pywork.py" 40

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
