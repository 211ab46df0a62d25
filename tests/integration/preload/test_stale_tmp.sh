#!/usr/bin/env bash
# test_stale_tmp.sh - a writer killed while writing leaves <name>.json.tmp
# behind (issue 12: 43 kills left 909 MB); a tracer starting in the same
# directory removes it, and only it.  A real writer (bigsnap, 2^16 stacks
# in `all` mode: a write of about a second) is stopped while its temporary
# file exists: the file is OFD write-locked (/proc/locks), and a tracer
# starting beside it keeps it even when its mtime is 2 minutes old.  Once
# the writer is SIGKILLed the lock is gone: a new tracer keeps the file
# while it was modified within 60 s, and removes it when older; beside it
# a file locked by another live process, a fresh one and foreign-pattern
# ones are kept.
source "$(dirname "$0")/lib.sh"
build_prog api
build_prog bigsnap
d=$CCX_TMP/snaps
mkdir -p "$d"

# sweep_in DIR: runs a tracer in DIR until its helper thread has passed
# the sweep (its first interval snapshot is on disk), then stops it.
sweep_in() {
    local before after pid
    before=$(ls "$1"/*.json 2>/dev/null | wc -l)
    CCXTRACE_DIR=$1 CCXTRACE_INTERVAL=100ms CCXTRACE_AT_EXIT=0 LD_PRELOAD=$LIB "$CCX_TMP/api" sleep 60000 \
        >/dev/null 2>"$CCX_TMP/sweep.err" &
    pid=$!
    for _ in $(seq 400); do
        ls "$1"/ccxtrace.*.$pid.*.json >/dev/null 2>&1 && break
        sleep 0.05
    done
    kill -KILL $pid
    wait $pid 2>/dev/null
    ls "$1"/ccxtrace.*.$pid.*.json >/dev/null 2>&1 || fail "the sweeping tracer wrote no snapshot"
    [ -s "$CCX_TMP/sweep.err" ] && fail "the sweeping tracer printed: $(cat "$CCX_TMP/sweep.err")"
    rm -f "$1"/ccxtrace.*.$pid.*.json
}

# A writer stopped in the middle of a snapshot (retried if the write ends
# before the stop lands).
CCXTRACE_SAMPLE=all CCXTRACE_DIR=$d CCXTRACE_AT_EXIT=0 LD_PRELOAD=$LIB "$CCX_TMP/bigsnap" >"$CCX_TMP/out" 2>&1 &
w=$!
for _ in $(seq 600); do grep -q ready "$CCX_TMP/out" && break; sleep 0.1; done
grep -q ready "$CCX_TMP/out" || fail "bigsnap did not start: $(cat "$CCX_TMP/out")"
tmp=
for try in $(seq 20); do
    done_before=$(ls "$d"/ccxtrace.*.$w.*.json 2>/dev/null | wc -l)
    kill -USR2 $w
    # until the temporary file shows, or the write is over unseen (15 s at most)
    end=$((SECONDS + 15))
    while [ $SECONDS -lt $end ]; do
        tmp=$(compgen -G "$d/ccxtrace.*.$w.*.json.tmp") && break
        [ "$(ls "$d"/ccxtrace.*.$w.*.json 2>/dev/null | wc -l)" != "$done_before" ] && break
    done
    if [ -n "$tmp" ]; then
        kill -STOP $w
        [ -e "$tmp" ] && break
        kill -CONT $w
        tmp=
    fi
    sleep 2 # let the write end before the next try
done
[ -n "$tmp" ] || fail "could not stop the writer mid-write in 20 tries"
echo "writer $w stopped while writing $(basename "$tmp") ($(stat -c %s "$tmp") bytes so far)"
ino=$(stat -c %i "$tmp")
grep -E "OFDLCK +ADVISORY +WRITE .*:$ino " /proc/locks || fail "the writer holds no OFD write lock on its temporary file"

# Locked by a live writer: kept even when 2 minutes old.
touch -d '2 minutes ago' "$tmp"
sweep_in "$d"
[ -e "$tmp" ] || fail "a temporary file a live writer has locked was removed"
echo "locked by the (stopped) writer, 2 minutes old: kept"

# The writer killed mid-write: the file stays behind, unlocked.
kill -KILL $w
wait $w 2>/dev/null
[ -e "$tmp" ] || fail "the killed writer's temporary file is gone already"
grep -qE ":$ino " /proc/locks && fail "the lock outlived the writer"

# Fresh (modified within 60 s): kept.
touch "$tmp"
sweep_in "$d"
[ -e "$tmp" ] || fail "a temporary file modified within 60 s was removed"
echo "killed writer's file, fresh: kept"

# Old: removed; beside it, kept: locked by another live process, fresh,
# foreign patterns, another uid's (when we can chown).
locked=$d/ccxtrace.otherpod.1.1796000000.4.json.tmp
fresh=$d/ccxtrace.otherpod.1.1796000000.5.json.tmp
: >"$locked"
: >"$fresh"
foreign=("$d/ccxtrace.h.1.2.3.json.tmp.bak" "$d/ccxtrace.h.1.2.x.json.tmp" "$d/app.h.1.2.3.json.tmp"
         "$d/ccxtrace.h.1.2.stats.csv.tmp" "$d/ccxtrace.h.1.2.3.json")
for f in "${foreign[@]}"; do : >"$f"; done
touch -d '2 minutes ago' "$tmp" "$locked" "${foreign[@]}"
other=
if [ "$(id -u)" = 0 ]; then
    other=$d/ccxtrace.otherpod.1.1796000000.6.json.tmp
    : >"$other"
    chown 65534 "$other"
    touch -d '2 minutes ago' "$other"
fi
ready=$CCX_TMP/locked.ready
$PY -c "
import fcntl, os, struct, time
fd = os.open('$locked', os.O_RDWR)
fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0))
open('$ready', 'w').close()
time.sleep(120)" &
locker=$!
for _ in $(seq 200); do [ -e "$ready" ] && break; sleep 0.05; done
[ -e "$ready" ] || fail "the locking process did not start"
sweep_in "$d"
kill $locker
wait $locker 2>/dev/null
[ -e "$tmp" ] && fail "the killed writer's 2-minute-old temporary file was not removed"
[ -e "$locked" ] || fail "a file another live process has locked was removed"
[ -e "$fresh" ] || fail "a fresh file was removed"
for f in "${foreign[@]}"; do [ -e "$f" ] || fail "foreign-pattern $f removed"; done
[ -z "$other" ] || [ -e "$other" ] || fail "another uid's file was removed"
[ -n "$other" ] && echo "another uid's old file: kept"
echo "old and unlocked: removed; locked by another process, fresh, foreign-pattern: kept"
