#!/usr/bin/env bash
# test_oom.sh - memory-pressure snapshots before a real OOM kill in a
# container: a Python service in the traced image leaking 10 MiB/s, run
# with `--memory 200m --memory-swap 200m`, grows until the kernel kills it
# (exit 137; the kill is checked in the container's memory.oom_control, or
# on cgroup v2 memory.events, read by the container's sh that waits for
# the service: podman 4.3 reports OOMKilled=false even for a memcg kill).
# The bind-mounted directory then holds the snapshots labelled
# pressure-80% and pressure-95%, in that order, written before the kill,
# no temporary file, and `ccx-analyze diff --format json` of the two (and
# `top` of the second) names the leaking line as the site that grew most.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
ctr_init
traced=$(ctr_traced_image) || exit 1
analyze=${CCX_BUILD:-$root/build}/bin/ccx-analyze
[ -x "$analyze" ] || { bad "no $analyze (make all)"; exit 1; }
prog=$CCX_TMP/prog
snaps=$CCX_TMP/snaps
mkdir -p "$prog" "$snaps" && chmod 0755 "$CCX_TMP" "$prog" && chmod 0777 "$snaps"
cat >"$prog/leaker.py" <<'PYEOF'
import time
keep = []
print("ready", flush=True)
n = 0
while True:
    n += 1
    keep.append(b"%08d" % n * 65536)  # LEAK LINE: 512 KiB every 50 ms
    time.sleep(0.05)
PYEOF
chmod 0644 "$prog/leaker.py"
leak_line=$(grep -n "LEAK LINE" "$prog/leaker.py" | cut -d: -f1)

# pid 1 is sh (not traced: CCXTRACE_ONLY names the script); it prints the
# cgroup's OOM counters once the service is gone and exits with its status
waiter='python3 /prog/leaker.py; st=$?
for f in /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/memory.events; do [ -r $f ] && sed "s|^|$f: |" $f; done
exit $st'
# started from $CCX_TMP: podman 4.3's conmon, in podman run's directory,
# creates an empty file "oom" there on an OOM kill
t0=$(ctr_now)
c=$(cd "$CCX_TMP" && ctr_run oom --network none --memory 200m --memory-swap 200m -e CCXTRACE_ONLY=leaker.py \
    -v "$prog:/prog:ro,z" -v "$snaps:/var/lib/ccxtrace:z" "$traced" sh -c "$waiter") || exit 1
code=$(timeout 120 podman wait "$c")
secs=$(ctr_secs "$t0" "$(ctr_now)")
log=$(podman logs "$c" 2>&1)
echo "$log" | sed 's/^/  container: /'
echo "the service ended after ${secs} s, exit ${code:-none}"
[ "$code" = 137 ] && ok "exit 137 (SIGKILL)" || bad "exit ${code:-none after 120 s}, not 137"
kills=$(echo "$log" | awk '/memory.oom_control: oom_kill |memory.events: oom_kill / { print $NF }' | tail -n 1)
if [ -n "$kills" ]; then
    [ "$kills" -ge 1 ] && ok "the container's cgroup counts $kills OOM kill(s)" || bad "the cgroup counts no OOM kill"
elif dmesg 2>/dev/null | tail -n 200 | grep -q 'Killed process .*(python3)'; then
    ok "the kernel log has the OOM kill of python3"
else
    bad "no OOM kill in the cgroup's counters or the kernel log"
fi

files=$(cd "$snaps" && ls -1 ccxtrace.*.json 2>/dev/null | LC_ALL=C sort -t. -k6,6n)
ls "$snaps" | grep -q '\.tmp$' && bad "a temporary file is left: $(ls "$snaps")"
[ -z "$(ls "$snaps" | grep -v '^ccxtrace\..*\.json$' | grep -v '\.stats\.csv$')" ] || bad "unexpected files: $(ls "$snaps")"
labels=$(for f in $files; do python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(d["reason"], d["label"])' "$snaps/$f"; done | tr '\n' ' ')
[ "$labels" = "pressure pressure-80% pressure pressure-95% " ] && ok "snapshots before the kill: $labels" \
    || { bad "snapshots: ${labels:-none} ($(ls "$snaps"))"; exit 1; }
a=$snaps/$(echo "$files" | sed -n 1p)
b=$snaps/$(echo "$files" | sed -n 2p)
for f in "$a" "$b"; do
    python3 -c 'import json, sys; p = json.load(open(sys.argv[1]))["pressure"]; print("  %s: limit %d, working set %d" % (sys.argv[1].rsplit("/", 1)[-1], p["limit_bytes"], p["working_set_bytes"]))' "$f"
done

# written before the kill: no later than the container's end
end=$(date -d "$(podman inspect -f '{{.State.FinishedAt}}' "$c" | sed 's/ [A-Z]*$//')" +%s.%N 2>/dev/null)
if [ -n "$end" ]; then
    for f in "$a" "$b"; do
        awk -v m="$(stat -c %.9Y "$f")" -v e="$end" 'BEGIN { exit !(m <= e) }' \
            || bad "$f was modified after the container ended"
    done
    ok "both written before the container ended"
else
    bad "cannot read the container's end time: $(podman inspect -f '{{.State.FinishedAt}}' "$c")"
fi

# the site that grew most, by line, from each tool's JSON
top_line() {  # ccx-analyze ARGS: prints "file:line" of the first entry
    "$analyze" "$@" --by line -n 1 --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = d["rows"][0]
print("  " + json.dumps(r, sort_keys=True), file=sys.stderr)
print(r["label"])'
}
want="leaker.py:$leak_line "
d=$(top_line diff "$a" "$b" 2>"$CCX_TMP/diff.err"); cat "$CCX_TMP/diff.err"
case $d in *"$want"*) ok "ccx-analyze diff: the top growing site is $d" ;; *) bad "ccx-analyze diff: top growing site $d, want $want" ;; esac
t=$(top_line top "$b" 2>"$CCX_TMP/top.err"); cat "$CCX_TMP/top.err"
case $t in *"$want"*) ok "ccx-analyze top of pressure-95%: $t" ;; *) bad "ccx-analyze top: $t, want $want" ;; esac
exit $fail
