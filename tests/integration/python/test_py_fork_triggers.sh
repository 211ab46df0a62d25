#!/usr/bin/env bash
# test_py_fork_triggers.sh - every trigger still works around forks and in
# processes that never run Python again (issue 14: the helper thread steps
# aside around a fork of CPython 3.12+ and must come back).  On every
# interpreter present, wl_fork_sleep.py blocks for the whole run: in
# time.sleep(60), in select(), and after os.fork() (the parent sleeps, the
# child waits in select()).  For each process: a SIGUSR2 snapshot, a
# trigger-file snapshot and an interval snapshot appear under its pid, and
# the forked parent has its helper thread back (2 threads).
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
wl=$root/tests/integration/python/wl_fork_sleep.py

# has DIR PID REASON: a snapshot of PID with that reason exists
has() {
    python3 - "$@" <<'PYEOF'
import glob, json, sys
d, pid, reason = sys.argv[1:]
for f in glob.glob("%s/ccxtrace.*.%s.*.json" % (d, pid)):
    if not f.endswith(".stats.csv") and json.load(open(f)).get("reason") == reason:
        sys.exit(0)
sys.exit(1)
PYEOF
}
wait_for() { # DIR PID REASON: up to 15 s
    for _ in $(seq 150); do has "$@" && return 0; sleep 0.1; done
    return 1
}
threads() { awk '/^Threads:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

fail=0 n=0
while read -r label py; do
    for mode in sleep select fork; do
        d=$tmp/$label.$mode
        mkdir -p "$d"
        echo 0 >"$d/trigger"
        CCXTRACE_DIR=$d CCXTRACE_TRIGGER=$d/trigger CCXTRACE_INTERVAL=1s CCXTRACE_AT_EXIT=0 LD_PRELOAD=$lib \
            "$py" "$wl" $mode "$d" >"$d/out" 2>"$d/err" &
        top=$!
        roles=main
        [ $mode = fork ] && roles="parent child"
        pids=
        for role in $roles; do
            for _ in $(seq 100); do [ -f "$d/$role.pid" ] && break; sleep 0.1; done
            [ -f "$d/$role.pid" ] || { echo "FAIL $label $mode: no $role pid"; fail=1; continue 2; }
            pids="$pids $(cat "$d/$role.pid")"
        done
        sleep 0.5
        for p in $pids; do kill -USR2 "$p"; done
        echo 1 >"$d/trigger"
        for p in $pids; do
            for reason in signal trigger interval; do
                wait_for "$d" "$p" $reason || { echo "FAIL $label $mode: pid $p has no $reason snapshot"; fail=1; }
            done
        done
        if [ $mode = fork ]; then
            pp=$(cat "$d/parent.pid")
            [ "$(threads "$pp")" = 2 ] || { echo "FAIL $label fork: parent has $(threads "$pp") threads, want 2 (its helper back)"; fail=1; }
        fi
        for p in $pids; do kill -KILL "$p" 2>/dev/null; done
        wait $top 2>/dev/null
        [ -s "$d/err" ] && { echo "FAIL $label $mode: stderr: $(head -c 300 "$d/err")"; fail=1; }
        n=$((n + 1))
    done
    echo "$label: signal, trigger file and interval snapshots in sleep, select and after fork (parent and child)"
done < <("$root/tests/lib/pythons.sh")
[ $n -gt 0 ] || { echo "no interpreter to run"; exit 77; }
exit $fail
