#!/usr/bin/env bash
# test_pressure_cgroup.sh - memory-pressure snapshots (CCXTRACE_PRESSURE) in a
# real cgroup v1 memory cgroup this test creates (root only; skipped without
# a writable v1 memory controller):
#   1. a Python process leaking 512 KiB every 50 ms (10 MiB/s) in a 200 MiB cgroup runs
#      until the kernel kills it (exit 137, oom_kill counted): the directory
#      then holds pressure-80% and pressure-95% snapshots, in that order,
#      each recording the limit (200 MiB) and a working set at or above its
#      threshold, whose biggest site (and the one that grew most from the
#      first to the second) is the leaking line, which `ccx-analyze diff`
#      of the two calls growth, and the second says the
#      holders search was skipped, and both say the census ran in its
#      cheapest form (census_form "tracked", why: memory pressure); no
#      temporary file is left;
#   2. a process reading a 300 MiB file again and again in the same limit
#      (page cache, reclaimable) takes no pressure snapshot.
source "$(dirname "$0")/lib.sh"
cgroot=/sys/fs/cgroup/memory
[ "$(id -u)" = 0 ] || { echo "needs root to create a memory cgroup"; exit 77; }
grep -q " $cgroot .* - cgroup cgroup .*memory" /proc/self/mountinfo ||
    { echo "no cgroup v1 memory controller mounted at $cgroot"; exit 77; }
# one cgroup per part (a cgroup that has just had an OOM kill may refuse a new task)
cgs=()
cleanup() {
    local c
    for c in "${cgs[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$c" 2>/dev/null && break; sleep 0.2; done
    done
}
trap cleanup EXIT
limit=$((200 * 1024 * 1024))
new_cgroup() { # NAME: creates it with the limit, sets cg
    cg=$cgroot/ccxtest-$$-$1
    mkdir "$cg" 2>/dev/null || { echo "cannot create $cg"; exit 77; }
    cgs+=("$cg")
    echo $limit >"$cg/memory.limit_in_bytes" || { echo "cannot set a limit on $cg"; exit 77; }
}
prog=$here/progs/pyhog.py
leak_line=$(grep -n "LEAK LINE" "$prog" | cut -d: -f1)

# run_in_cgroup DIR ARGS...: runs pyhog traced inside the cgroup; its status
run_in_cgroup() {
    local d=$1; shift
    CCXTRACE_DIR=$d LD_PRELOAD=$LIB CCXTRACE_AT_EXIT=0 \
        sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$PY" "$prog" "$@" >"$d.out" 2>"$d.err"
}

# 1. the leak
new_cgroup leak
d=$CCX_TMP/leak
mkdir -p "$d"
run_in_cgroup "$d" leak 512
st=$?
[ $st = 137 ] || fail "the leaking process ended with $st, not 137 (killed); stderr: $(head -5 "$d.err")"
kills=$(awk '$1 == "oom_kill" { print $2 }' "$cg/memory.oom_control")
echo "leak: exit $st, oom_kill ${kills:-not reported}"
[ -z "$kills" ] || [ "$kills" -ge 1 ] || fail "memory.oom_control counts no OOM kill"
ls "$d" | grep -q '\.tmp$' && fail "a temporary file is left: $(ls "$d")"
[ -s "$d.err" ] && fail "stderr: $(cat "$d.err")"
$CHECK valid $(snapshots "$d") >/dev/null || fail "invalid snapshot"
$PY - "$leak_line" $limit $(snapshots "$d") <<'PYEOF' || fail "pressure snapshots"
import json, sys
line, limit, files = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
snaps = [json.load(open(f)) for f in files]
labels = [(s["reason"], s["label"]) for s in snaps]
print("snapshots:", labels)
assert labels == [("pressure", "pressure-80%"), ("pressure", "pressure-95%")], labels

def lines_of(s):
    """live bytes by the innermost Python line of each site"""
    frames = s["frames"]
    out = {}
    for site in s["sites"]:
        py = [frames[i] for i in s["stacks"][site["stack"]]["frames"] if frames[i]["kind"] == "python"]
        key = (py[0]["file"].rsplit("/", 1)[-1], py[0]["line"]) if py else None
        out[key] = out.get(key, 0) + site["live_bytes"]
    return out

for s, share in zip(snaps, (0.80, 0.95)):
    p = s["pressure"]
    print("%s: cgroup %s limit %d usage %d working set %d under %s" % (
        s["label"], p["cgroup"], p["limit_bytes"], p["usage_bytes"], p["working_set_bytes"], p["under_pressure"]))
    assert p["cgroup"] == "v1" and p["limit_bytes"] == limit and p["compared"] == "working_set", p
    assert p["working_set_bytes"] >= share * limit and p["usage_bytes"] >= p["working_set_bytes"], p
    assert p["under_pressure"] is True, p
    top = max(lines_of(s).items(), key=lambda kv: kv[1])
    print("  biggest site:", top)
    assert top[0] == ("pyhog.py", line), top
# the holders search (which needs ~100 MiB per million objects) is skipped, and said
h = snaps[1]["python"].get("holders")
print("holders in the second:", h)
assert h == {"error": "skipped: the process is under memory pressure (CCXTRACE_PRESSURE)"}, h
# the census in its cheapest form, tracked objects only, and said (issue 21)
for s in snaps:
    py = s["python"]
    print("%s: census_form %s (%s)" % (s["label"], py.get("census_form"), py.get("census_form_why")))
    assert py.get("census_form") == "tracked" and "deep" not in py, py.get("census_form")
    assert py.get("census_form_why") == "the process is under memory pressure (CCXTRACE_PRESSURE)", py
a, b = lines_of(snaps[0]), lines_of(snaps[1])
grew = max(b, key=lambda k: b[k] - a.get(k, 0))
print("grew most: %s by %d bytes" % (grew, b[grew] - a.get(grew, 0)))
assert grew == ("pyhog.py", line), grew
PYEOF
# what a user runs on the two: `ccx-analyze diff` calls the leaking line
# growth (one process: the samples both share cancel; with the two
# variances' sum it said "noise", +25 MiB +-9.3 MiB)
an=$CCX_BUILD/bin/ccx-analyze
if [ -x "$an" ]; then
    "$an" diff --by line --format json $(snapshots "$d") | $PY -c '
import json, sys
line = sys.argv[1]
top = json.load(sys.stdin)["rows"][0]
print("diff: %s %+.1f MiB +-%.1f MiB %s" % (top["label"], top["growth_bytes"] / 2**20, top["growth_se"] / 2**20, top["status"]))
assert top["label"].split()[0].endswith("/pyhog.py:" + line) and top["status"] == "GROWTH", top
' "$leak_line" || fail "ccx-analyze diff of the two pressure snapshots"
else
    echo "skip the diff check: $an not built"
fi

# 2. page cache
new_cgroup cache
d=$CCX_TMP/cache
mkdir -p "$d"
big=$CCX_TMP/big
# written around the page cache (pages cached here would stay charged to this shell's cgroup)
dd if=/dev/zero of="$big" bs=1M count=300 oflag=direct status=none || fail "cannot write $big"
dd if="$big" iflag=nocache count=0 status=none
run_in_cgroup "$d" cache "$big" 3
st=$?
[ $st = 0 ] || fail "the reading process ended with $st; stderr: $(head -5 "$d.err")"
max=$(cat "$cg/memory.max_usage_in_bytes")
echo "cache: read $(cat "$d.out") bytes, the cgroup's peak usage $max of $limit"
[ "$max" -ge $((limit * 80 / 100)) ] || fail "the page cache never reached 80% of the limit: the test proves nothing"
n=$(snapshots "$d" | wc -l)
[ "$n" = 0 ] || fail "page cache fired $n snapshot(s): $(ls "$d")"
echo "pressure snapshots in a real memory cgroup: ok"
