#!/usr/bin/env bash
# test_triggers.sh - every snapshot trigger of DESIGN.md: the signal
# (SIGUSR2; "none" leaves the signal alone), the trigger file (a content
# change; its "label=" line labels the snapshot), CCXTRACE_INTERVAL,
# ccxtrace_snapshot() with its label and the sequence number it returned
# (and requests made just before exit, none lost), and process exit (CCXTRACE_AT_EXIT=0: none); plus the stats CSV with the header of DESIGN.md.
source "$(dirname "$0")/lib.sh"
build_prog api

wait_reason() { # DIR REASON: waits up to 10 s for a snapshot with that reason
    for _ in $(seq 100); do
        for f in $(snapshots "$1"); do
            [ "$($CHECK field "$f" reason)" = "$2" ] && return 0
        done
        sleep 0.1
    done
    return 1
}
catches_usr2() { # PID: SigCgt has bit 12 (SIGUSR2)
    local m
    m=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status")
    [ $(( (0x$m >> 11) & 1 )) = 1 ]
}

d=$CCX_TMP/a
mkdir -p "$d"
echo 0 >"$CCX_TMP/trigger"
CCXTRACE_DIR=$d CCXTRACE_TRIGGER=$CCX_TMP/trigger CCXTRACE_STATS_INTERVAL=200ms LD_PRELOAD=$LIB \
    "$CCX_TMP/api" sleep 4000 >"$CCX_TMP/out" 2>"$CCX_TMP/err" &
pid=$!
for _ in $(seq 100); do catches_usr2 $pid && break; sleep 0.05; done
catches_usr2 $pid || fail "SIGUSR2 not caught"
kill -USR2 $pid
wait_reason "$d" signal || fail "no snapshot after SIGUSR2"
echo 1 >"$CCX_TMP/trigger"
wait_reason "$d" trigger || fail "no snapshot after the trigger file changed"
# a "label=" line in the trigger file labels the snapshot it takes
printf '2\nlabel=after burst 2\n' >"$CCX_TMP/trigger"
for _ in $(seq 100); do
    [ "$(snapshots "$d" | wc -l)" -ge 3 ] && break
    sleep 0.1
done
last=$(snapshots "$d" | tail -n 1)
[ "$($CHECK field "$last" reason)" = trigger ] || fail "no second trigger snapshot"
[ "$($CHECK field "$last" label)" = "after burst 2" ] || fail "trigger label: '$($CHECK field "$last" label)'"
wait $pid
[ $? = 3 ] || fail "exit status changed"
[ -s "$CCX_TMP/err" ] && fail "stderr: $(cat "$CCX_TMP/err")"
reasons=$(for f in $(snapshots "$d"); do $CHECK field "$f" reason; done | tr '\n' ' ')
echo "reasons in order: $reasons"
[ "$reasons" = "signal trigger trigger exit " ] || fail "want exactly signal, trigger, trigger, exit"
$CHECK valid $(snapshots "$d") || fail "invalid snapshot"
csv=$(ls "$d"/*.stats.csv)
head -n 1 "$csv" | grep -qx 'time_utc,uptime_s,rss_bytes,live_bytes,tracer_bytes,gc_count0,gc_count1,gc_count2,gc_collections0,gc_collections1,gc_collections2' ||
    fail "bad CSV header"
lines=$(($(wc -l <"$csv") - 1))
[ $lines -ge 5 ] || fail "want >= 5 stats lines in 4 s at 200ms, got $lines"
awk -F, 'NR > 1 && (NF != 11 || $1 !~ /^20[0-9-]*T[0-9:]*Z$/ || $3 <= 0 || $5 !~ /^[0-9]+$/) { exit 1 }' "$csv" || fail "malformed stats line: $(sed -n 2p "$csv")"
echo "signal, trigger file, exit and stats CSV ($lines lines): ok"

# a host that closes every descriptor (as daemons do) still gets snapshots
d=$CCX_TMP/fds
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_AT_EXIT=0 LD_PRELOAD=$LIB "$CCX_TMP/api" closefds 1500 >/dev/null &
pid=$!
for _ in $(seq 100); do catches_usr2 $pid && break; sleep 0.05; done
sleep 0.2
kill -USR2 $pid
wait_reason "$d" signal || fail "no snapshot after SIGUSR2 once the host closed its descriptors"
wait $pid
echo "signal after the host closed all its descriptors: ok"

d=$CCX_TMP/b
mkdir -p "$d"
CCXTRACE_DIR=$d LD_PRELOAD=$LIB "$CCX_TMP/api" snap first "sec ond" >"$CCX_TMP/out"
[ $? = 3 ] || fail "exit status changed"
grep -q "^seq 1$" "$CCX_TMP/out" && grep -q "^seq 2$" "$CCX_TMP/out" || fail "ccxtrace_snapshot returned: $(cat "$CCX_TMP/out")"
for s in 1 2; do
    f=$(ls "$d"/*."$s".json) || fail "no snapshot $s"
    [ "$($CHECK field "$f" reason)" = api ] || fail "snapshot $s is not reason api"
done
[ "$($CHECK field "$(ls "$d"/*.1.json)" label)" = first ] || fail "label of 1"
[ "$($CHECK field "$(ls "$d"/*.2.json)" label)" = "sec ond" ] || fail "label of 2"
[ "$($CHECK field "$(ls "$d"/*.3.json)" reason)" = exit ] || fail "snapshot 3 is not the exit one"
# requests made just before exit are all written, before the exit snapshot
# (the helper took one and lost the race for the lock to the exit, which
# then dropped it: 2-3 runs in 40 on 3a0e2fc..e0a4986)
labels=$(seq -f "burst%g" 1 30)
for r in $(seq 100); do
    d=$CCX_TMP/burst$r
    mkdir -p "$d"
    CCXTRACE_DIR=$d LD_PRELOAD=$LIB "$CCX_TMP/api" snap $labels >/dev/null
    got=$(snapshots "$d" | python3 -c 'import json, sys; print(" ".join(str(json.load(open(f.strip()))["label"]) for f in sys.stdin))')
    want="$(printf '%s ' $labels)None"
    [ "$got" = "$want" ] || fail "run $r: 30 requests then exit: labels in order: $got"
done
echo "30 requests just before exit, 100 runs: every one written, then the exit snapshot"
# without the preload the weak symbol is absent
"$CCX_TMP/api" snap x | grep -q "^seq -2$" || fail "api.c without the tracer"
echo "api: returned sequence numbers and labels match the files"

d=$CCX_TMP/c
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_INTERVAL=300ms CCXTRACE_AT_EXIT=0 CCXTRACE_SIGNAL=none LD_PRELOAD=$LIB \
    "$CCX_TMP/api" sleep 1300 >/dev/null &
pid=$!
sleep 0.3
catches_usr2 $pid && fail "CCXTRACE_SIGNAL=none still catches SIGUSR2"
wait $pid
n=$(snapshots "$d" | wc -l)
reasons=$(for f in $(snapshots "$d"); do $CHECK field "$f" reason; done | sort -u | tr '\n' ' ')
echo "interval 300ms over 1.3 s: $n snapshots ($reasons)"
[ $n -ge 2 ] && [ "$reasons" = "interval " ] || fail "want >= 2 interval snapshots and no exit snapshot"
echo "ok"
