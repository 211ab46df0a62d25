#!/usr/bin/env bash
# test_env_output_errors.sh - misconfiguration never changes the host:
# bad CCXTRACE_* values give one "ccxtrace:" line each and the defaults;
# an unwritable CCXTRACE_DIR (a regular file, a /proc directory) gives one
# line even with snapshots every 50 ms; a symlink planted at a snapshot's
# temporary name or final name is neither followed nor replaced, and each
# snapshot a planted name skips gets its line (10 at most).  A value with a
# newline or an escape sequence is shown escaped on one line; a too long
# CCXTRACE_ONLY traces nothing, with one line; CCXTRACE_SIGNAL=INT or TERM
# is refused, so a Python program still stops on SIGINT and SIGTERM.  In
# every case the program's stdout and exit status (3) stay the same.
source "$(dirname "$0")/lib.sh"
build_prog api
expect_host() { # stdout file, status
    [ "$(cat "$1")" = "hello" ] || fail "stdout changed: $(cat "$1")"
    [ "$2" = 3 ] || fail "exit status changed to $2"
}

d=$CCX_TMP/snaps
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_SAMPLE=12q CCXTRACE_DEPTH=0 CCXTRACE_SIGNAL=SIGFOO CCXTRACE_INTERVAL=-1s \
CCXTRACE_AT_EXIT=maybe CCXTRACE_STATS_INTERVAL=3x CCXTRACE_MAX_STACKS=5 CCXTRACE_MMAP=2 \
    LD_PRELOAD=$LIB "$CCX_TMP/api" >"$CCX_TMP/out" 2>"$CCX_TMP/err"
expect_host "$CCX_TMP/out" $?
cat "$CCX_TMP/err"
[ "$(wc -l <"$CCX_TMP/err")" = 8 ] || fail "want 8 warning lines"
[ "$(grep -c '^ccxtrace: CCXTRACE_[A-Z_]*=".*": .*; using the default ' "$CCX_TMP/err")" = 8 ] || fail "badly formed warnings"
for v in SAMPLE DEPTH SIGNAL INTERVAL AT_EXIT STATS_INTERVAL MAX_STACKS MMAP; do
    grep -q "CCXTRACE_$v=" "$CCX_TMP/err" || fail "no warning for CCXTRACE_$v"
done
f=$(snapshots "$d" | tail -n 1)
[ -n "$f" ] || fail "no exit snapshot with the defaults"
[ "$($CHECK field "$f" sampling.interval_bytes)" = 524288 ] || fail "CCXTRACE_SAMPLE did not fall back to 512k"
echo "bad values: one line each, defaults used"

# A newline and an escape sequence in values: one line each, escaped.
CCXTRACE_DIR=$d CCXTRACE_DEPTH=$'8\nforged line\e[31m' CCXTRACE_SAMPLE=$'\e]0;title\a' \
    LD_PRELOAD=$LIB "$CCX_TMP/api" >"$CCX_TMP/out" 2>"$CCX_TMP/err"
expect_host "$CCX_TMP/out" $?
cat "$CCX_TMP/err"
[ "$(wc -l <"$CCX_TMP/err")" = 2 ] || fail "want 2 lines for 2 bad values"
[ "$(grep -c '^ccxtrace: ' "$CCX_TMP/err")" = 2 ] || fail "a line without the ccxtrace: prefix"
LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$CCX_TMP/err" && fail "a control byte reached stderr"
grep -qF 'CCXTRACE_DEPTH="8\nforged line\x1b[31m": ' "$CCX_TMP/err" || fail "CCXTRACE_DEPTH not shown escaped"
grep -qF 'CCXTRACE_SAMPLE="\x1b]0;title\x07": ' "$CCX_TMP/err" || fail "CCXTRACE_SAMPLE not shown escaped"
echo "newline and escapes in values: shown escaped, one line each"

# CCXTRACE_ONLY longer than its limit: nothing traced, one line.
o=$CCX_TMP/only
mkdir -p "$o"
CCXTRACE_DIR=$o CCXTRACE_ONLY=$(printf 'api%.0s' $(seq 90)) LD_PRELOAD=$LIB "$CCX_TMP/api" >"$CCX_TMP/out" 2>"$CCX_TMP/err"
expect_host "$CCX_TMP/out" $?
cat "$CCX_TMP/err"
[ "$(wc -l <"$CCX_TMP/err")" = 1 ] && grep -q '^ccxtrace: CCXTRACE_ONLY="apiapi.*": longer than 255 bytes; tracing nothing$' "$CCX_TMP/err" ||
    fail "want one line saying a too long CCXTRACE_ONLY traces nothing"
[ -z "$(ls "$o")" ] || fail "a too long CCXTRACE_ONLY still traced: $(ls "$o")"
echo "too long CCXTRACE_ONLY: fails closed"

# CCXTRACE_SIGNAL may not take a signal the program relies on: Python
# still stops on SIGINT (KeyboardInterrupt) and SIGTERM (default action).
ready=$CCX_TMP/ready
for sig in INT TERM; do
    rm -f "$ready"
    # (env: a background job of a script starts with SIGINT ignored)
    env --default-signal=INT CCXTRACE_DIR=$d CCXTRACE_SIGNAL=$sig LD_PRELOAD=$LIB $PY -c \
        "import atexit, time
for _ in range(500):  # the tracer's Python layer active (see test_only_script.sh)
    if atexit._ncallbacks():
        break
    time.sleep(0.01)
open('$ready', 'w').close()
time.sleep(60)" >"$CCX_TMP/out" 2>"$CCX_TMP/err" &
    pid=$!
    for _ in $(seq 200); do [ -e "$ready" ] && break; sleep 0.05; done
    kill -$sig $pid
    wait $pid
    st=$?
    cat "$CCX_TMP/err"
    grep -q "^ccxtrace: CCXTRACE_SIGNAL=\"$sig\": a signal the program may rely on (only USR1, USR2 and RTMIN..RTMAX are taken" "$CCX_TMP/err" ||
        fail "CCXTRACE_SIGNAL=$sig not refused"
    if [ $sig = INT ]; then
        [ $st = 130 ] || [ $st = 1 ] || fail "SIGINT did not stop Python (status $st)"
        grep -q KeyboardInterrupt "$CCX_TMP/err" || fail "no KeyboardInterrupt on SIGINT"
    else
        [ $st = 143 ] || fail "SIGTERM did not stop Python (status $st, want 143)"
    fi
done
echo "CCXTRACE_SIGNAL=INT/TERM refused: Python stops on both as untraced"

for bad in "$CCX_TMP/regular-file" /proc/1; do
    : >"$CCX_TMP/regular-file"
    CCXTRACE_DIR=$bad CCXTRACE_INTERVAL=50ms LD_PRELOAD=$LIB "$CCX_TMP/api" sleep 400 >"$CCX_TMP/out" 2>"$CCX_TMP/err"
    expect_host "$CCX_TMP/out" $?
    cat "$CCX_TMP/err"
    [ "$(wc -l <"$CCX_TMP/err")" = 1 ] && grep -q "^ccxtrace: cannot create $bad/ccxtrace\..*\.tmp: " "$CCX_TMP/err" ||
        fail "want exactly one ccxtrace: line for $bad"
done
[ -s "$CCX_TMP/regular-file" ] && fail "wrote into the regular file"
echo "unwritable directory: one line, host unchanged"

p=$CCX_TMP/plant
mkdir -p "$p"
LD_PRELOAD=$LIB CCXTRACE_DIR=$p "$CCX_TMP/api" plant "$p" "$CCX_TMP/victim" >"$CCX_TMP/out" 2>"$CCX_TMP/err"
st=$?
cat "$CCX_TMP/out" "$CCX_TMP/err"
[ $st = 3 ] || fail "exit status $st"
grep -q "^planted for 2 and 3$" "$CCX_TMP/out" || fail "planting failed"
[ -e "$CCX_TMP/victim" ] && fail "a file was written through the temporary-name symlink"
[ -e "$CCX_TMP/victim.final" ] && fail "a file was written through the final-name symlink"
ls "$p"/*.3.json >/dev/null && [ -L "$(ls "$p"/*.3.json)" ] || fail "the planted final-name symlink was replaced"
ls "$p"/*.2.json 2>/dev/null && fail "snapshot 2 written despite the planted link"
grep -q "^ccxtrace: cannot create .*\.2\.json\.tmp: File exists" "$CCX_TMP/err" || fail "no warning for snapshot 2"
grep -q "^ccxtrace: cannot rename to .*\.3\.json: File exists" "$CCX_TMP/err" || fail "no warning for snapshot 3"
for f in "$p"/*.json; do [ -L "$f" ] || $CHECK valid "$f" >/dev/null || fail "invalid $f"; done
[ "$(stat -c %a "$(ls "$p"/*.1.json)")" = 600 ] || fail "snapshot mode is not 0600"
echo "planted symlinks: not followed, not replaced"

# Files planted at the temporary names of 12 snapshots in a row: a line
# for each of the first 10, the 10th saying further ones go unreported.
q=$CCX_TMP/plant12
mkdir -p "$q"
LD_PRELOAD=$LIB CCXTRACE_DIR=$q CCXTRACE_AT_EXIT=0 "$CCX_TMP/api" planttmp "$q" 12 >"$CCX_TMP/out" 2>"$CCX_TMP/err"
st=$?
cat "$CCX_TMP/out" "$CCX_TMP/err"
[ $st = 3 ] || fail "exit status $st"
grep -q "^planted 12$" "$CCX_TMP/out" || fail "planting failed"
[ "$(grep -c '^ccxtrace: cannot create .*\.json\.tmp: File exists; snapshot [0-9]* skipped' "$CCX_TMP/err")" = 10 ] ||
    fail "want one line for each of the first 10 skipped snapshots"
for i in 2 3 4 11; do
    grep -q "^ccxtrace: cannot create .*\.$i\.json\.tmp: File exists; snapshot $i skipped" "$CCX_TMP/err" ||
        fail "no line for skipped snapshot $i"
done
[ "$(grep -c 'further skips are not reported' "$CCX_TMP/err")" = 1 ] && tail -n 1 "$CCX_TMP/err" | grep -q '\.11\.json\.tmp: .*further skips are not reported$' ||
    fail "the 10th line does not say that further skips go unreported"
[ "$(wc -l <"$CCX_TMP/err")" = 10 ] || fail "more than 10 lines"
ls "$q"/*.14.json >/dev/null || fail "the snapshot after the planted names was not written"
echo "planted temporary names: one line per skipped snapshot, 10 at most"
