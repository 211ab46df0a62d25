#!/usr/bin/env bash
# test_py_fork_stress.sh - 1,000 forks with snapshots requested during them
# (issue 14: the helper thread steps aside around forks of CPython 3.12+).
# wl_fork_stress.py forks 1,000 times, asks for a snapshot every 10th fork
# (ccxtrace_snapshot) while SIGUSR2 arrives every 20 ms.  No deadlock (a
# 120 s limit), exit status 0, every requested snapshot written under the
# parent's pid with its label, at least one signal snapshot.  Runs on the
# newest interpreter present (3.12+ preferred: there the helper steps
# aside); `make ubsan` runs it against the UBSan build.
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
py=$("$root/tests/lib/pythons.sh" | awk '/^pyenv-3\.1[2-9] / { p = $2 } END { print p }')
[ -n "$py" ] || py=$("$root/tests/lib/pythons.sh" | awk 'END { print $2 }')
[ -n "$py" ] || { echo "no interpreter to run"; exit 77; }
d=$tmp/snaps
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_AT_EXIT=0 LD_PRELOAD=$lib "$py" -W always::DeprecationWarning \
    "$root/tests/integration/python/wl_fork_stress.py" 1000 >"$tmp/out" 2>"$tmp/err" &
pid=$!
(
    sleep 0.3
    while kill -0 $pid 2>/dev/null; do kill -USR2 $pid 2>/dev/null; sleep 0.02; done
) &
sender=$!
( sleep 120; kill -KILL $pid 2>/dev/null && echo "FAIL: no end within 120 s (deadlock?)" ) &
watchdog=$!
wait $pid
rc=$?
kill $sender $watchdog 2>/dev/null
wait $sender $watchdog 2>/dev/null
# A fork while the helper writes a snapshot that needs the GIL (held by
# the forking thread) finds it busy: that fork warns, as documented.
echo "$(basename "$py"): exit $rc, $(grep -c '^seq' "$tmp/out") requests, $(ls "$d" | wc -l) files;" \
    "forks that saw the helper busy: $(grep -c 'is multi-threaded' "$tmp/err") of 1000"
grep -v -e 'is multi-threaded' -e 'pid = os.fork()' "$tmp/err" | grep -q . && { echo "FAIL: stderr: $(head -c 500 "$tmp/err")"; exit 1; }
[ $rc = 0 ] || { echo "FAIL: exit status $rc: $(head -c 500 "$tmp/err")"; exit 1; }
grep -qx "forks 1000" "$tmp/out" || { echo "FAIL: the loop did not finish"; exit 1; }
python3 - "$d" "$tmp/out" "$pid" <<'PYEOF'
import glob, json, sys
d, out, pid = sys.argv[1:]
seqs = [int(l.split()[1]) for l in open(out) if l.startswith("seq")]
snaps = {}
for f in glob.glob("%s/ccxtrace.*.%s.*.json" % (d, pid)):
    s = json.load(open(f))
    snaps[s["seq"]] = s
bad = [q for q in seqs if q < 0 or q not in snaps or snaps[q]["reason"] != "api"]
if len(seqs) != 100 or bad:
    print("FAIL: %d requests; missing or wrong: %s" % (len(seqs), bad[:10]))
    sys.exit(1)
labels = sorted(snaps[q].get("label") for q in seqs)
if labels != sorted("fork-%d" % i for i in range(0, 1000, 10)):
    print("FAIL: labels differ")
    sys.exit(1)
sig = sum(1 for s in snaps.values() if s["reason"] == "signal")
if sig < 1:
    print("FAIL: no signal snapshot")
    sys.exit(1)
others = glob.glob("%s/ccxtrace.*.json" % d)
print("parent: all 100 requested snapshots with their labels, %d signal snapshots; %d files from children" %
      (sig, len(others) - len(snaps)))
PYEOF
