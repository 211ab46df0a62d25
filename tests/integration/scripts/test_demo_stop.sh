#!/usr/bin/env bash
# test_demo_stop.sh - `make demo` stops everything it started: on Ctrl-C
# (SIGINT to its whole process group, as a terminal sends it) in the middle
# of the load, and when a step fails (the driver refuses its options).  The
# service, the driver and the demo's temporary directory must be gone.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../../..}"
tmp=${CCX_TMP:-$(mktemp -d)}
build=${CCX_BUILD:-$PWD/build}
[ -x "$build/bin/ccx-driver" ] || { echo "ccx-driver not built"; exit 1; }
[ -x /usr/bin/python3 ] || { echo "no /usr/bin/python3"; exit 77; }
export TMPDIR=$tmp/t   # the demo's temporary directory lands here
mkdir -p "$TMPDIR"
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

# Start the demo in its own session with SIGINT at its default (a background
# job of this script would inherit it ignored, and bash cannot trap that).
run_demo() {  # run it backgrounded: the subshell execs, so $! is the demo
    exec /usr/bin/python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setsid()
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

session_empty() {  # no process left in session $1 (zombies included) after up to 10 s
    for _ in $(seq 100); do pgrep -s "$1" >/dev/null || return 0; sleep 0.1; done
    return 1
}

gone() {  # PID... : none of them alive after up to 10 s
    local p
    for _ in $(seq 100); do
        local alive=0
        for p in "$@"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && return 0
        sleep 0.1
    done
    return 1
}

# ---- Ctrl-C during the bursts --------------------------------------------------
run_demo env BUILD="$build" DEMO_OUT="$tmp/o1" DEMO_BURSTS=3 DEMO_BURST=20s DEMO_BREAK=5s DEMO_WARMUP=2 \
    scripts/demo.sh >"$tmp/o1.log" 2>&1 &
demo=$!
for _ in $(seq 300); do grep -q 'bursts of' "$tmp/o1.log" && break; sleep 0.1; done
sleep 2
svc=$(sed -n 's/^   pid \([0-9]*\), http.*/\1/p' "$tmp/o1.log")
drv=$(pgrep -f "ccx-driver upload --url" -s "$demo" | head -n 1)
[ -n "$svc" ] && kill -0 "$svc" 2>/dev/null && ok "service $svc running" || bad "no service running: $(cat "$tmp/o1.log")"
[ -n "$drv" ] && ok "driver $drv running" || bad "no driver running"
kill -INT -- -"$demo"
wait "$demo"; rc=$?
[ $rc = 130 ] && ok "demo exit 130 on Ctrl-C" || bad "demo exit $rc on Ctrl-C"
gone $svc $drv && ok "service and driver stopped" || bad "still running: $(ps -o pid,cmd -p "$svc,$drv" | tail -n +2)"
[ -z "$(ls -A "$TMPDIR")" ] && ok "temporary directory removed" || bad "left behind: $(ls "$TMPDIR")"
session_empty "$demo" || bad "processes left in the demo's session: $(pgrep -a -s "$demo")"
grep -q 'interrupted; stopping everything' "$tmp/o1.log" || bad "no message on Ctrl-C"

# ---- a failing step: the driver refuses its options -----------------------------
run_demo env BUILD="$build" DEMO_OUT="$tmp/o2" DEMO_RATE=fast DEMO_WARMUP=0 scripts/demo.sh >"$tmp/o2.log" 2>&1 &
demo=$!
wait "$demo"; rc=$?
svc=$(sed -n 's/^   pid \([0-9]*\), http.*/\1/p' "$tmp/o2.log")
[ $rc = 1 ] && grep -q 'ccx-driver failed' "$tmp/o2.log" && ok "a failed step: exit 1 and said so" || bad "failed step: exit $rc: $(tail -n 5 "$tmp/o2.log")"
[ -n "$svc" ] && gone "$svc" && ok "service $svc stopped after the failure" || bad "service ${svc:-?} after the failure"
[ -z "$(ls -A "$TMPDIR")" ] || bad "left behind after the failure: $(ls "$TMPDIR")"
session_empty "$demo" || bad "processes left in the demo's session: $(pgrep -a -s "$demo")"

# ---- a bad MODE is a usage error ---------------------------------------------------
MODE=sideways BUILD="$build" scripts/demo.sh >"$tmp/o3.log" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "MODE='sideways'" "$tmp/o3.log" && ok "bad MODE: exit 2" || bad "bad MODE: exit $rc"
exit $fail
