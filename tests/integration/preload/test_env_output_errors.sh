#!/usr/bin/env bash
# test_env_output_errors.sh - misconfiguration never changes the host:
# bad CCXTRACE_* values give one "ccxtrace:" line each and the defaults;
# an unwritable CCXTRACE_DIR (a regular file, a /proc directory) gives one
# line even with snapshots every 50 ms; a symlink planted at a snapshot's
# temporary name or final name is neither followed nor replaced.  In every
# case the program's stdout and exit status (3) stay the same.
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
