#!/usr/bin/env bash
# test_fork_exec_names.sh - a fork child that traced (and wrote a snapshot)
# and then calls exec keeps its pid and start time, so the image after exec
# has the same host.pid.start names: its snapshots must take numbers past
# the ones already there instead of failing with "File exists" (the
# "snapshot 1 not written" a bash $(...) child gave with CCXTRACE_PRESSURE).
source "$(dirname "$0")/lib.sh"
d=$CCX_TMP/snaps
mkdir -p "$d"
mkfifo "$CCX_TMP/fifo"
# The subshell (a fork of bash) waits for its own interval snapshot, then
# execs sleep, whose exit snapshot comes under the same name.
CCXTRACE_DIR=$d CCXTRACE_PRESSURE=off CCXTRACE_INTERVAL=1s LD_PRELOAD=$LIB bash -c '
( for i in $(seq 1 200); do
      ls "$1"/ccxtrace.*."$BASHPID".*.json >/dev/null 2>&1 && break
      read -r -t 0.1 <>"$2"
  done
  echo "child $BASHPID"
  exec sleep 0.2 )' _ "$d" "$CCX_TMP/fifo" >"$CCX_TMP/out" 2>"$CCX_TMP/err" || fail "bash failed: $(cat "$CCX_TMP/err")"
cpid=$(sed -n 's/^child \([0-9]*\)$/\1/p' "$CCX_TMP/out")
[ -n "$cpid" ] || fail "no child pid in: $(cat "$CCX_TMP/out")"
if grep -q 'ccxtrace:' "$CCX_TMP/err"; then fail "ccxtrace complained: $(cat "$CCX_TMP/err")"; fi
files=$(ls "$d"/ccxtrace.*."$cpid".*.json)
$PY - "$cpid" $files <<'PYEOF' || fail "snapshots of pid $cpid are not as wanted"
import json, sys
pid = int(sys.argv[1])
snaps = [json.load(open(f)) for f in sys.argv[2:]]
by_image = {}
for s in snaps:
    assert s["pid"] == pid, s["pid"]
    by_image.setdefault(s["instance_id"], []).append(s)
images = {tuple(sorted(x["seq"] for x in v)): v[0]["exe"] for v in by_image.values()}
print("pid", pid, "images (seqs: exe):", images)
assert len(by_image) == 2, "want the image before exec and sleep's"
sleep = [v for v in by_image.values() if v[0]["exe"].endswith("/sleep")]
assert sleep and any(s["reason"] == "exit" for s in sleep[0]), "no exit snapshot of sleep"
seqs = [s["seq"] for s in snaps]
assert len(seqs) == len(set(seqs)), seqs
PYEOF
echo "fork then exec: $(echo "$files" | wc -l) snapshots under pid $cpid, no name taken twice"
