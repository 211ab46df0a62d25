#!/usr/bin/env bash
# test_instance_id.sh - every snapshot carries "instance_id", 32 random hex
# digits made once per process: the same in all snapshots of a process, new
# in a fork child, different between two runs of one program (docs/snapshot-format.md).
source "$(dirname "$0")/lib.sh"
build_prog fork
id_of() { $PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("instance_id"))' "$1"; }
is_hex32() { [[ $1 =~ ^[0-9a-f]{32}$ ]]; }
for run in 1 2; do
    d=$CCX_TMP/snaps$run
    mkdir -p "$d"
    CCXTRACE_DIR=$d CCXTRACE_SAMPLE=all LD_PRELOAD=$LIB "$CCX_TMP/fork" >"$CCX_TMP/out" 2>"$CCX_TMP/err" || fail "fork.c failed"
    ppid=$(sed -n 's/^parent \([0-9]*\) child-status 0$/\1/p' "$CCX_TMP/out")
    cpid=$(sed -n 's/^child \([0-9]*\)$/\1/p' "$CCX_TMP/out")
    pid_=$(id_of "$(ls "$d"/ccxtrace.*."$ppid".*.json)")
    cid=$(id_of "$(ls "$d"/ccxtrace.*."$cpid".*.json)")
    is_hex32 "$pid_" || fail "parent instance_id \"$pid_\" is not 32 hex digits"
    is_hex32 "$cid" || fail "child instance_id \"$cid\" is not 32 hex digits"
    [ "$pid_" != "$cid" ] || fail "the fork child kept its parent's instance_id $cid"
    eval "parent$run=$pid_"
done
# shellcheck disable=SC2154
[ "$parent1" != "$parent2" ] || fail "two runs share instance_id $parent1"
echo "fork: parent and child have different ids; two runs differ"

# one process, several snapshots (api + exit): one id
d=$CCX_TMP/py
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_PYTHON=0 LD_PRELOAD=$LIB $PY -c '
import ctypes, time
lib = ctypes.CDLL(None)
lib.ccxtrace_snapshot(b"one")
time.sleep(1.5)
lib.ccxtrace_snapshot(b"two")
time.sleep(1.5)' 2>"$CCX_TMP/err" || fail "python failed: $(cat "$CCX_TMP/err")"
ids=$(for f in "$d"/ccxtrace.*.json; do id_of "$f"; done | sort -u)
n=$(ls "$d"/ccxtrace.*.json | wc -l)
[ "$n" -ge 2 ] || fail "want 2 or more snapshots, got $n"
[ "$(echo "$ids" | wc -l)" = 1 ] && is_hex32 "$ids" || fail "one process, several ids: $ids"
echo "one process: $n snapshots, one instance_id"
