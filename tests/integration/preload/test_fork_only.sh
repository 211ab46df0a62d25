#!/usr/bin/env bash
# test_fork_only.sh - after fork the child starts clean tables and numbering
# and writes under its own pid; CCXTRACE_ONLY leaves other processes
# (here the shell and a second program) untouched and silent.
source "$(dirname "$0")/lib.sh"
build_prog fork
build_prog leak
d=$CCX_TMP/snaps
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_SAMPLE=all LD_PRELOAD=$LIB "$CCX_TMP/fork" >"$CCX_TMP/out" 2>"$CCX_TMP/err" || fail "fork.c failed"
[ -s "$CCX_TMP/err" ] && fail "stderr: $(cat "$CCX_TMP/err")"
ppid=$(sed -n 's/^parent \([0-9]*\) child-status 0$/\1/p' "$CCX_TMP/out")
cpid=$(sed -n 's/^child \([0-9]*\)$/\1/p' "$CCX_TMP/out")
[ -n "$ppid" ] && [ -n "$cpid" ] || fail "unexpected output: $(cat "$CCX_TMP/out")"
pf=$(ls "$d"/ccxtrace.*."$ppid".*.json) cf=$(ls "$d"/ccxtrace.*."$cpid".*.json)
[ "$(echo "$pf" | wc -l)" = 1 ] && [ "$(echo "$cf" | wc -l)" = 1 ] || fail "want one snapshot per process: $(ls "$d")"
$CHECK valid $pf $cf || fail "invalid snapshot"
[ "$($CHECK field "$cf" seq)" = 1 ] || fail "child's numbering did not restart"
[ "$($CHECK field "$cf" pid)" = "$cpid" ] || fail "child snapshot has the wrong pid"
read -r lb lk rest <<<"$($CHECK site "$pf" parent_leak)"
[ "$lb" = 1024000 ] && [ "$lk" = 1000 ] || fail "parent: parent_leak $lb/$lk"
read -r lb lk rest <<<"$($CHECK site "$pf" child_leak)"
[ "$lb" = 0 ] || fail "parent shows the child's allocations"
read -r lb lk rest <<<"$($CHECK site "$cf" child_leak)"
[ "$lb" = 1024000 ] && [ "$lk" = 500 ] || fail "child: child_leak $lb/$lk"
read -r lb lk rest <<<"$($CHECK site "$cf" parent_leak)"
[ "$lb" = 0 ] || fail "child did not start with clean tables"
echo "fork: parent and child snapshots separate and exact"

# CCXTRACE_ONLY: only processes whose exe or argv[0] contains "fork"
d2=$CCX_TMP/only
mkdir -p "$d2"
CCXTRACE_ONLY=fork CCXTRACE_DIR=$d2 CCXTRACE_SAMPLE=all LD_PRELOAD=$LIB \
    sh -c "'$CCX_TMP/leak' >/dev/null; '$CCX_TMP/fork' >/dev/null" 2>"$CCX_TMP/err" || fail "sh -c failed"
[ -s "$CCX_TMP/err" ] && fail "stderr: $(cat "$CCX_TMP/err")"
n=0
for f in "$d2"/ccxtrace.*.json; do
    exe=$($CHECK field "$f" exe)
    case $exe in */fork) n=$((n + 1)) ;; *) fail "traced $exe despite CCXTRACE_ONLY=fork" ;; esac
done
[ $n = 2 ] || fail "want 2 snapshots (fork and its child), got $n"
# an untraced process stays silent even with bad values
CCXTRACE_ONLY=nomatch CCXTRACE_SAMPLE=bogus CCXTRACE_DIR=$d2 LD_PRELOAD=$LIB "$CCX_TMP/leak" >/dev/null 2>"$CCX_TMP/err" ||
    fail "leak.c failed"
[ -s "$CCX_TMP/err" ] && fail "an untraced process printed: $(cat "$CCX_TMP/err")"
[ "$(ls "$d2" | wc -l)" = 2 ] || fail "an untraced process wrote files"
echo "CCXTRACE_ONLY: only matching processes traced; others silent"
