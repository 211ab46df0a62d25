#!/usr/bin/env bash
# test_retention.sh - bounded disk (CCXTRACE_KEEP, CCXTRACE_MAX_DISK) on real
# runs with a short interval, the directory watched every 20 ms meanwhile:
#   1. KEEP=5, a snapshot every 100 ms for 4 s and one SIGUSR2 snapshot: never
#      more than 5 interval snapshots at once; at the end exactly 5, the first
#      (seq 1) among them, the newest from the second half of the run, the
#      kept ones spread (no gap over 3 times an even spread), and the
#      signal's snapshot still there;
#   2. MAX_DISK: a predecessor's file already in the directory; snapshots
#      every 50 ms never take the ccxtrace files (allocated blocks, as du
#      counts them) past the cap; one "ccxtrace:" line says the cap is
#      reached; the predecessor's file is untouched; the stats CSV stops too.
source "$(dirname "$0")/lib.sh"
build_prog api

catches_usr2() { # PID: SigCgt has bit 12 (SIGUSR2)
    local m
    m=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
    [ -n "$m" ] && [ $(( (0x$m >> 11) & 1 )) = 1 ]
}

# 1. KEEP
d=$CCX_TMP/keep
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_INTERVAL=100ms CCXTRACE_KEEP=5 CCXTRACE_AT_EXIT=0 LD_PRELOAD=$LIB \
    "$CCX_TMP/api" sleep 4000 >/dev/null 2>"$CCX_TMP/keep.err" &
pid=$!
max=0 signalled=0
while kill -0 $pid 2>/dev/null; do
    n=$(ls "$d" | grep -c '\.json$')
    [ "$n" -gt "$max" ] && max=$n
    if [ $signalled = 0 ] && [ "$n" -ge 5 ] && catches_usr2 $pid; then
        kill -USR2 $pid
        signalled=1
    fi
    sleep 0.02
done
wait $pid
[ $signalled = 1 ] || fail "never sent the signal"
[ -s "$CCX_TMP/keep.err" ] && fail "stderr: $(cat "$CCX_TMP/keep.err")"
echo "keep: at most $max snapshot files at once (5 interval + 1 signal allowed)"
[ "$max" -le 6 ] || fail "more than 5 interval snapshots (+1 signal) at once: $max"
$PY - $(snapshots "$d") <<'PYEOF' || fail "the kept snapshots"
import json, sys
snaps = [json.load(open(f)) for f in sys.argv[1:]]
iv = [s for s in snaps if s["reason"] == "interval"]
sig = [s for s in snaps if s["reason"] == "signal"]
t = [s["uptime_s"] for s in iv]
print("interval snapshots kept: seq %s at %s s; signal: %s" % ([s["seq"] for s in iv], t, [s["seq"] for s in sig]))
assert len(iv) == 5, len(iv)
assert len(sig) == 1, "the signal's snapshot was thinned"
assert iv[0]["seq"] == 1, "the first interval snapshot is gone"
assert t[-1] >= 2.0, "the newest is not from the second half of the run"
even = (t[-1] - t[0]) / 4
assert max(b - a for a, b in zip(t, t[1:])) <= 3 * even, "not spread over the run"
PYEOF

# 2. MAX_DISK
d=$CCX_TMP/cap
mkdir -p "$d"
head -c 100000 /dev/zero >"$d/ccxtrace.predecessor.1.1.1.json"
cap=$((250 * 1024))
used() { find "$d" -maxdepth 1 -name 'ccxtrace.*' -printf "%b\n" 2>/dev/null | awk '{ s += $1 * 512 } END { print s + 0 }'; }
CCXTRACE_DIR=$d CCXTRACE_INTERVAL=50ms CCXTRACE_STATS_INTERVAL=50ms CCXTRACE_MAX_DISK=250k CCXTRACE_AT_EXIT=1 \
    LD_PRELOAD=$LIB "$CCX_TMP/api" sleep 3000 >/dev/null 2>"$CCX_TMP/cap.err" &
pid=$!
peak=0
while kill -0 $pid 2>/dev/null; do
    u=$(used)
    [ "$u" -gt "$peak" ] && peak=$u
    sleep 0.02
done
wait $pid
u=$(used)
[ "$u" -gt "$peak" ] && peak=$u
n=$(snapshots "$d" | wc -l)
echo "cap: peak $peak bytes of $cap, $n json files, stderr: $(cat "$CCX_TMP/cap.err")"
[ "$peak" -le $cap ] || fail "the ccxtrace files took $peak bytes, past the cap of $cap"
[ "$n" -ge 3 ] || fail "too few snapshots before the cap ($n): the test proves nothing"
[ "$(grep -c 'CCXTRACE_MAX_DISK' "$CCX_TMP/cap.err")" = 1 ] || fail "want one line about the cap on stderr"
[ "$(wc -l <"$CCX_TMP/cap.err")" = 1 ] || fail "other stderr lines: $(cat "$CCX_TMP/cap.err")"
[ "$(stat -c %s "$d/ccxtrace.predecessor.1.1.1.json")" = 100000 ] || fail "the predecessor's file was changed"
ls "$d" | grep -q '\.tmp$' && fail "a temporary file is left"
csv=$(ls "$d"/*.stats.csv)
lines=$(wc -l <"$csv")
sleep 0.3
[ "$(wc -l <"$csv")" = "$lines" ] || fail "the stats CSV grows past the cap"
echo "bounded disk: ok"
