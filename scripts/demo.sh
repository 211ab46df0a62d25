#!/usr/bin/env bash
# demo.sh - `make demo`, the README's main command: traces the demo service
# (scripts/demo/service.py) with libccxtrace.so while ccx-driver sends
# upload bursts, a snapshot in each break, then ccx-analyze says which line
# holds the memory that grew.
#
#   make demo [MODE=leaky|cyclic|fixed]        (or scripts/demo.sh directly)
#
# Environment (all optional):
#   MODE          leaky (default): stored exceptions stay reachable;
#                 cyclic: only the Broker/traceback cycle (CCXTRACE_GC_COLLECT=1,
#                 so the report says how much gc.collect() reclaims);
#                 fixed: tracebacks cleared, nothing should grow
#   BUILD         build directory (default build)
#   DEMO_BURSTS   bursts of uploads (default 5; a snapshot before the first
#                 and one in each break: BURSTS + 1 snapshots)
#   DEMO_BURST    length of a burst (default 15s)
#   DEMO_BREAK    length of a break (default 8s)
#   DEMO_RATE     uploads per second during a burst (default 6)
#   DEMO_WARMUP   uploads sent before the baseline snapshot, so one-time
#                 start-up allocations are not counted as growth (default 5)
#   DEMO_SAMPLE   CCXTRACE_SAMPLE, the mean sampling interval (default 512k)
#   DEMO_OUT      where the snapshots and reports go
#                 (default BUILD/demo/MODE-YYYYMMDD_HHMMSS)
#   DEMO_PYTHON   the interpreter to trace (default /usr/bin/python3)
#
# Everything it starts it stops, on success, failure or Ctrl-C.  Until every
# part (tracer, driver, analyzer) is built it runs what exists and says what
# is missing.  Exit status: 0 done, 1 a step failed, 2 a usage error.
set -u
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD:-build}
case $build in /*) ;; *) build=$root/$build ;; esac
mode=${MODE:-leaky}
case $mode in
    leaky|cyclic|fixed) ;;
    *) echo "demo: MODE='$mode': use leaky, cyclic or fixed" >&2; exit 2 ;;
esac
bursts=${DEMO_BURSTS:-5}
burst=${DEMO_BURST:-15s}
brk=${DEMO_BREAK:-8s}
rate=${DEMO_RATE:-6}
warmup=${DEMO_WARMUP:-5}
sample=${DEMO_SAMPLE:-512k}
py=${DEMO_PYTHON:-/usr/bin/python3}
out=${DEMO_OUT:-$build/demo/$mode-$(date -u +%Y%m%d_%H%M%S)}
export PYTHONDONTWRITEBYTECODE=1

lib=$build/lib/libccxtrace.so
driver=$build/bin/ccx-driver
analyze=$build/bin/ccx-analyze
say() { printf '%s\n' "$*"; }
get_status() {  # the service's /status JSON (empty when it does not answer)
    "$py" -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' "$1" 2>/dev/null
}
rel() { case $1 in "$root"/*) echo "${1#"$root"/}" ;; *) echo "$1" ;; esac; }

say "== ccxtrace demo: mode $mode"
missing=()
for f in "$lib" "$driver" "$analyze"; do
    if [ -e "$f" ]; then say "   $(rel "$f")"; else say "   $(rel "$f") (not built yet)"; missing+=("$(basename "$f")"); fi
done
[ -x "$py" ] || { say "demo: $py not found (Debian package python3)" >&2; exit 1; }
if [ ! -x "$driver" ]; then
    say "demo: ccx-driver is not built yet, so no load can be sent; nothing more to show."
    say "      the demo service alone: $py scripts/demo/service.py --mode $mode"
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ccxtrace-demo.XXXXXX")
svc_pid= drv_pid= tail_pid=
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -n "$drv_pid" ] && kill -TERM "$drv_pid" 2>/dev/null && wait "$drv_pid" 2>/dev/null
    [ -n "$tail_pid" ] && wait "$tail_pid" 2>/dev/null   # ends with the driver
    if [ -n "$svc_pid" ] && kill -0 "$svc_pid" 2>/dev/null; then
        kill -TERM "$svc_pid" 2>/dev/null
        for _ in $(seq 100); do kill -0 "$svc_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$svc_pid" 2>/dev/null
        wait "$svc_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
trap 'say "demo: interrupted; stopping everything"; exit 130' INT TERM

mkdir -p "$out/snapshots" || exit 1
out=$(cd "$out" && pwd)
snapdir=$out/snapshots
trigger=$tmp/trigger

# ---- the service, traced ----------------------------------------------------
tracer_env=()
if [ -f "$lib" ]; then
    tracer_env=(LD_PRELOAD="$lib" CCXTRACE_DIR="$snapdir" CCXTRACE_TRIGGER="$trigger"
                CCXTRACE_SAMPLE="$sample" CCXTRACE_STATS_INTERVAL=2s CCXTRACE_AT_EXIT=0
                CCXTRACE_ONLY=python CCXTRACE_HOLDERS_TYPES=Broker)
    [ "$mode" = cyclic ] && tracer_env+=(CCXTRACE_GC_COLLECT=1)
fi
say "== starting the demo service ($mode)${tracer_env:+ under libccxtrace.so, sampling every $sample on average}"
env ${tracer_env[@]+"${tracer_env[@]}"} "$py" scripts/demo/service.py --mode "$mode" --port 0 \
    --ready-file "$tmp/ready" >"$out/service.log" 2>&1 &
svc_pid=$!
for _ in $(seq 300); do
    [ -s "$tmp/ready" ] && break
    kill -0 "$svc_pid" 2>/dev/null || break
    sleep 0.1
done
[ -s "$tmp/ready" ] || { say "demo: the service did not start; its log:"; cat "$out/service.log"; exit 1; }
url=$(cat "$tmp/ready")
status_url=${url%%/api/*}/status
metrics_url=${url%%/api/*}/metrics
# ccx-driver waits, before each snapshot, until the service's consumer
# counters (its /metrics, named as ccx-messaging's) say every accepted
# upload was received and finished and nothing moved for --settle
idle_args=(--idle-metrics "$metrics_url" --idle-expect-all --idle-timeout 60s)
say "   pid $svc_pid, $url"

# ---- warm-up: a few uploads before the baseline --------------------------------
if [ "$warmup" -gt 0 ] 2>/dev/null; then
    say "== warm-up: $warmup uploads before the baseline snapshot"
    "$driver" upload --url "$url" --max-uploads "$warmup" --delay 0 --quiet --settle 300ms \
        "${idle_args[@]}" >"$out/warmup.log" 2>&1 \
        || { say "demo: the warm-up uploads failed:"; tail -n 5 "$out/warmup.log"; exit 1; }
    grep -q 'consumers NOT idle' "$out/warmup.log" \
        && { say "demo: the service did not finish the warm-up uploads:"; tail -n 5 "$out/warmup.log"; exit 1; }
fi
get_status "$status_url" >"$out/service-status-start.json"

# ---- the load: bursts, a snapshot once the consumers are idle -----------------
say "== ccx-driver: $bursts bursts of $burst at $rate uploads/s, $brk breaks; a snapshot before the first burst and in each"
say "   break once the service's /metrics say it received and finished every accepted upload (--idle-metrics)"
drv_args=(upload --url "$url" --mode bursts --bursts "$bursts" --burst-length "$burst"
          --break-length "$brk" --rate "$rate" --concurrency 2 --settle 1s
          --trigger-file "$trigger" "${idle_args[@]}" --summary-json "$out/driver-summary.json"
          --progress-interval 5s)
[ -f "$lib" ] && drv_args+=(--snapshot-dir "$snapdir")
# its progress lines shown as they come (tail follows driver.log until it exits)
"$driver" "${drv_args[@]}" >"$out/driver.log" 2>&1 &
drv_pid=$!
tail -n +1 -s 0.2 -f --pid="$drv_pid" "$out/driver.log" 2>/dev/null | sed -u 's/^/   /' &
tail_pid=$!
wait "$drv_pid"
drv_rc=$?
drv_pid=
wait "$tail_pid" 2>/dev/null
tail_pid=
[ $drv_rc = 0 ] || { say "demo: ccx-driver failed (exit $drv_rc); see $(rel "$out/driver.log")"; exit 1; }
st=$(get_status "$status_url")
say "   service status: $st"
[ -n "$st" ] && printf '%s\n' "$st" >"$out/service-status.json"

# every snapshot the triggers produced, in sequence order (before the service stops)
list_snaps() {
    ls "$snapdir" 2>/dev/null | grep '^ccxtrace\..*\.json$' \
        | awk -F. '{ print $(NF-1), $0 }' | sort -n | cut -d' ' -f2- | sed "s#^#$snapdir/#"
}
mapfile -t snaps < <(list_snaps)
# cyclic: one more snapshot right after the last one, so that the sites show
# what the last snapshot's gc.collect() freed (reclaim-*.txt|json below)
after_collect=
if [ "$mode" = cyclic ] && [ -f "$lib" ] && [ ${#snaps[@]} -ge 1 ]; then
    # the service is idle (the driver's last break waited for it): the next
    # counter value, written over the old one in place (no empty file between)
    n=$(cat "$trigger" 2>/dev/null || echo 0)
    printf '%d\n' $((n + 1)) 1<>"$trigger"
    for _ in $(seq 150); do
        mapfile -t now < <(list_snaps)
        [ ${#now[@]} -gt ${#snaps[@]} ] && { after_collect=${now[${#now[@]}-1]}; break; }
        sleep 0.2
    done
    [ -n "$after_collect" ] || say "demo: no snapshot after the last gc.collect() appeared"
fi
kill -TERM "$svc_pid" 2>/dev/null; wait "$svc_pid" 2>/dev/null; svc_pid=

if [ ! -f "$lib" ]; then
    say ""
    say "libccxtrace.so is not built yet: the service ran untraced (the Broker count above is the"
    say "service's own /status, not the tracer's view).  Missing: ${missing[*]}."
    exit 0
fi
say "== ${#snaps[@]} snapshots in $(rel "$snapdir")"
if [ ${#snaps[@]} -lt 2 ]; then
    say "demo: fewer than two snapshots; the tracer's log lines are in $(rel "$out/service.log")"
    exit 1
fi
if [ ! -x "$analyze" ]; then
    say "ccx-analyze is not built yet: the snapshots are there to analyze later."
    exit 0
fi

# ---- the analysis ---------------------------------------------------------------
# text reports as wide as the terminal (ccx-analyze reads COLUMNS when not on one)
cols=$(tput cols 2>/dev/null || echo 0)
[ "$cols" -ge 100 ] 2>/dev/null && export COLUMNS=$((cols - 3)) || export COLUMNS=140
first=${snaps[0]} last=${snaps[${#snaps[@]}-1]}
fail=0
"$analyze" diff "$first" "$last" -n 10 >"$out/diff.txt" 2>"$out/analyze.err" || fail=1
"$analyze" diff "$first" "$last" -n 10 --by line >"$out/diff-by-line.txt" 2>>"$out/analyze.err" || fail=1
"$analyze" diff "$first" "$last" -n 20 --by line --format json -o "$out/diff-by-line.json" 2>>"$out/analyze.err" || fail=1
if [ ${#snaps[@]} -ge 3 ]; then
    "$analyze" trend "${snaps[@]}" -n 10 >"$out/trend.txt" 2>>"$out/analyze.err" || fail=1
    "$analyze" trend "${snaps[@]}" -n 20 --format json -o "$out/trend.json" 2>>"$out/analyze.err" || fail=1
fi
"$analyze" report "${snaps[@]}" -o "$out/report.md" 2>>"$out/analyze.err" || fail=1
"$analyze" report "${snaps[@]}" --format html -o "$out/report.html" 2>>"$out/analyze.err" || fail=1
"$analyze" plot "${snaps[@]}" -o "$out/memory.svg" 2>>"$out/analyze.err" || true
if [ -n "$after_collect" ]; then
    "$analyze" diff "$last" "$after_collect" --by line -n 10 >"$out/reclaim.txt" 2>>"$out/analyze.err" || fail=1
    "$analyze" diff "$last" "$after_collect" --by line -n 1000 --format json -o "$out/reclaim.json" 2>>"$out/analyze.err" || fail=1
fi
if [ $fail = 1 ]; then
    say "demo: ccx-analyze reported a problem:"
    sed 's/^/   /' "$out/analyze.err"
fi

say ""
if [ -s "$out/trend.txt" ]; then
    say "== trend over ${#snaps[@]} snapshots (ccx-analyze trend)"
    head -n 40 "$out/trend.txt" | sed 's/^/   /'
fi
if [ -s "$out/trend.json" ]; then
    say ""
    say "== the answer ($mode mode)"
    "$py" scripts/demo/headline.py "$out/trend.json" "$root" || fail=1
    grep -h '^After gc.collect()' "$out/trend.txt" | sed 's/^/   /'
    if [ -s "$out/reclaim.json" ]; then
        "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
rows = sorted(d["rows"], key=lambda r: r["growth_bytes"])
freed = -sum(r["growth_bytes"] for r in rows if r["growth_bytes"] < 0)
print("   the last snapshot'"'"'s gc.collect() freed %.1f MiB of traced memory; most from:" % (freed / 2**20))
for r in rows[:3]:
    if r["growth_bytes"] < 0:
        print("     %+.1f MiB  %s" % (r["growth_bytes"] / 2**20, r["label"].replace(sys.argv[2] + "/", "")))
' "$out/reclaim.json" "$root" || fail=1
    fi
fi
say ""
say "== growth from the first to the last snapshot, by line (ccx-analyze diff --by line)"
head -n 30 "$out/diff-by-line.txt" | sed 's/^/   /'
say ""
say "== files"
for f in report.md report.html diff.txt trend.txt reclaim.txt memory.svg service.log driver.log; do
    [ -s "$out/$f" ] && say "   $(rel "$out/$f")"
done
say "   $(rel "$snapdir")/ (${#snaps[@]} snapshots)"
say ""
say "== to look further"
say "   $(rel "$analyze") diff $(rel "$first") $(rel "$last") --by stack -n 5"
say "   $(rel "$analyze") top $(rel "$last") --by type"
say "   $(rel "$analyze") trend $(rel "$snapdir")"
say "   $(rel "$analyze") report $(rel "$snapdir") --format html -o report.html"
[ "$mode" = leaky ] && say "   make demo MODE=fixed      # the same load with the fix: nothing should grow"
[ $fail = 0 ] || exit 1
exit 0
