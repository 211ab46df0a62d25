#!/usr/bin/env bash
# test_on_term.sh - CCXTRACE_ON_TERM=snapshot with real processes (Python and C):
#   1. SIGTERM to a traced process writes a snapshot (reason "term"), and the
#      process then dies of SIGTERM (status 143) exactly as the untraced one;
#   2. a process started with SIGTERM ignored keeps ignoring it: it lives on,
#      writes no term snapshot and exits normally;
#   3. a program that installs its own SIGTERM handler after start runs it
#      (prints, exits 7) and no term snapshot is written;
#   4. without the option SIGTERM is left alone (status 143, no snapshot).
source "$(dirname "$0")/lib.sh"
build_prog api
prog=$here/progs/term.py

wait_ready() { # FILE: waits up to 20 s for "ready" in it
    for _ in $(seq 200); do grep -q ready "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}
count_reason() { # DIR REASON
    local n=0 f
    for f in $(snapshots "$1"); do [ "$($CHECK field "$f" reason)" = "$2" ] && n=$((n + 1)); done
    echo $n
}
# run NAME ENV...: starts python term.py traced with ENV in the background, sets pid, d
start() {
    local name=$1; shift
    d=$CCX_TMP/$name
    mkdir -p "$d"
    env CCXTRACE_DIR="$d" CCXTRACE_AT_EXIT=0 LD_PRELOAD="$LIB" "$@" >"$d.out" 2>"$d.err" &
    pid=$!
    wait_ready "$d.out" || fail "$name: never ready: $(cat "$d.err")"
}

# 1. Python and C: a final snapshot, then death by SIGTERM as untraced
$PY "$prog" >"$CCX_TMP/untraced.out" &
p=$!
wait_ready "$CCX_TMP/untraced.out" || fail "untraced: never ready"
kill -TERM $p
wait $p
untraced=$?
[ $untraced = 143 ] || fail "untraced python ended with $untraced, not 143"
start py CCXTRACE_ON_TERM=snapshot "$PY" "$prog"
kill -TERM $pid
wait $pid
st=$?
echo "python: untraced $untraced, traced $st; $(cat "$d.out")"
[ $st = $untraced ] || fail "traced python ended with $st, untraced with $untraced"
[ "$(count_reason "$d" term)" = 1 ] || fail "no term snapshot: $(ls "$d")"
[ -s "$d.err" ] && fail "stderr: $(cat "$d.err")"
grep -q "ready None" "$d.out" || fail "signal.getsignal(SIGTERM) is not None under the handler: $(cat "$d.out")"
$CHECK valid $(snapshots "$d") >/dev/null || fail "invalid snapshot"
d=$CCX_TMP/c
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_AT_EXIT=0 CCXTRACE_ON_TERM=snapshot LD_PRELOAD=$LIB "$CCX_TMP/api" sleep 20000 >"$d.out" 2>"$d.err" &
pid=$!
for _ in $(seq 100); do grep -q hello "$d.out" && break; sleep 0.05; done
sleep 0.2
kill -TERM $pid
wait $pid
st=$?
[ $st = 143 ] || fail "traced C program ended with $st, not 143"
[ "$(count_reason "$d" term)" = 1 ] || fail "C: no term snapshot"
echo "C: 143 and a term snapshot"

# 2. SIGTERM ignored from the start stays ignored
start ign sh -c "trap '' TERM; exec env CCXTRACE_ON_TERM=snapshot \"\$0\" \"\$1\"" "$PY" "$prog"
grep -q "ready .*SIG_IGN" "$d.out" || fail "the process did not start with SIGTERM ignored: $(cat "$d.out")"
kill -TERM $pid
sleep 1.5
kill -0 $pid 2>/dev/null || fail "a process started with SIGTERM ignored died of it"
[ "$(count_reason "$d" term)" = 0 ] || fail "a term snapshot although SIGTERM was ignored"
wait $pid
st=$?
[ $st = 0 ] || fail "the ignoring process ended with $st"
echo "ignored: lived on, exit 0, no term snapshot"

# 3. the program's own handler, installed later, wins
start own CCXTRACE_ON_TERM=snapshot "$PY" "$prog" own
kill -TERM $pid
wait $pid
st=$?
[ $st = 7 ] || fail "own handler: exit $st, not 7"
grep -q "own handler" "$d.out" || fail "own handler did not run"
[ "$(count_reason "$d" term)" = 0 ] || fail "a term snapshot although the program had its own handler"
echo "own handler: ran, exit 7, no term snapshot"

# 4. not asked: left alone
start off "$PY" "$prog"
grep -q "ready .*SIG_DFL" "$d.out" || fail "SIGTERM's disposition changed without the option: $(cat "$d.out")"
kill -TERM $pid
wait $pid
st=$?
[ $st = 143 ] || fail "without the option: exit $st"
[ "$(snapshots "$d" | wc -l)" = 0 ] || fail "a snapshot without the option"
echo "CCXTRACE_ON_TERM=snapshot: ok"
