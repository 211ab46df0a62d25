#!/usr/bin/env bash
# test_monitor.sh - monitor_local.sh / monitor_all_local.sh against a fake
# container engine: a `docker` (and `podman`) on PATH that prints canned
# `stats` lines in every memory unit (B, kB, KiB, MB, MiB, GB, GiB) and runs
# `exec` probes against a fake cgroup tree (v2 and v1) with a tracer stats
# CSV.  Expected MiB figures are computed here from the canned values with
# explicit unit factors.  Also: auto-detection, usage errors, SIGTERM.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../../..}"
root=$PWD
tmp=${CCX_TMP:-$(mktemp -d)}
build=${CCX_BUILD:-$root/build}
units=$build/bin/ccx-units
[ -x "$units" ] || { echo "ccx-units not built ($units): make first"; exit 1; }
export CCX_UNITS=$units
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
SEED_HEADER="timestamp,elapsed_min,cpu_perc,mem_usage_mb,mem_limit_mb,mem_perc,net_io,block_io"

# ---- the fake engine --------------------------------------------------------
fake=$tmp/fake
mkdir -p "$fake/bin" "$fake/stats"
# canned stats per container: one line per call, cycling
cat >"$fake/stats/rules-processing" <<'X'
rules-processing|99.94%|266.8MiB / 7.654GiB|3.40%|133MB / 92.8MB|55.8MB / 2.56MB
rules-processing|94.75%|1.5GiB / 7.654GiB|19.60%|133MB / 93.1MB|55.8MB / 2.64MB
rules-processing|100.57%|270.8MiB / 7.654GiB|3.46%|134MB / 93.4MB|55.8MB / 2.65MB
X
cat >"$fake/stats/archive-sync" <<'X'
archive-sync|0.13%|71.3MB / 8.2GB|0.87%|5.2MB / 5.6MB|6.05MB / 0B
archive-sync|13.52%|900kB / 1.5GB|0.06%|5.23MB / 5.61MB|6.05MB / 0B
archive-sync|6.71%|123456B / 2GiB|0.01%|5.25MB / 5.61MB|6.05MB / 0B
X
cat >"$fake/stats/multiplexor" <<'X'
multiplexor|3.84%|512KiB / 1024MiB|0.05%|133MB / 35.1MB|7.04MB / 0B
X
for c in rules-uploader archive-sync-ols; do
    echo "$c|0.10%|58.29MiB / 7.654GiB|0.74%|1kB / 2kB|0B / 0B" >"$fake/stats/$c"
done
# cgroup v2 tree for rules-processing, v1 for archive-sync, none for multiplexor
mk() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" >"$1"; }
r=$fake/root/rules-processing
mk "$r/sys/fs/cgroup/memory.current" 283000000
mk "$r/sys/fs/cgroup/memory.max" max
mk "$r/sys/fs/cgroup/memory.stat" "anon 200000000
file 70000000
kernel 13000000
shmem 0"
mk "$r/proc/sys/kernel/hostname" 3f2a9c1d7e10
mk "$r/proc/meminfo" "MemTotal:       8026112 kB
MemFree:         123456 kB"
mkdir -p "$r/snap"
echo "time_utc,uptime_s,rss_bytes,live_bytes,tracer_bytes,gc_count0,gc_count1,gc_count2,gc_collections0,gc_collections1,gc_collections2" >"$r/snap/ccxtrace.3f2a9c1d7e10.1.1795739900.stats.csv"
echo "2026-11-26T22:40:00Z,10.0,283000000,150000000,2000000,5,1,200,40,3,0" >>"$r/snap/ccxtrace.3f2a9c1d7e10.1.1795739900.stats.csv"
# another container's stats file in the same (shared) directory must be ignored
echo "2026-11-26T22:40:00Z,10.0,1,1,1,1,1,1,1,1,1" >"$r/snap/ccxtrace.otherhost.1.1795739900.stats.csv"
r=$fake/root/archive-sync
mk "$r/sys/fs/cgroup/memory/memory.usage_in_bytes" 87000000
mk "$r/sys/fs/cgroup/memory/memory.limit_in_bytes" 9223372036854771712
mk "$r/sys/fs/cgroup/memory/memory.kmem.usage_in_bytes" 3000000
mk "$r/sys/fs/cgroup/memory/memory.stat" "cache 30000000
rss 50000000
total_cache 31000000
total_rss 52000000"
mk "$r/proc/meminfo" "MemTotal:       8026112 kB"

cat >"$fake/bin/docker" <<X
#!/usr/bin/env bash
fake=$fake
X
cat >>"$fake/bin/docker" <<'X'
echo "$(basename "$0") $*" >>"$fake/calls"
[ "${FAKE_DEAD:-}" = "$(basename "$0")" ] && { echo "Cannot connect to the daemon" >&2; exit 1; }
case $1 in
    version) echo "fake engine 1.0"; exit 0 ;;
    stats)
        shift; [ "$1" = --no-stream ] || exit 3; shift
        [ "$1" = --format ] || exit 3; shift 2
        rc=0
        for c in "$@"; do
            f=$fake/stats/$c
            if [ ! -f "$f" ]; then echo "Error: No such container: $c" >&2; rc=1; continue; fi
            n=$(cat "$f.n" 2>/dev/null || echo 0); echo $((n + 1)) >"$f.n"
            lines=$(wc -l <"$f"); sed -n "$((n % lines + 1))p" "$f"
        done
        exit $rc ;;
    exec)
        c=$2; shift 2
        [ -d "$fake/root/$c" ] || exit 1
        [ "$1" = sh ] && [ "$2" = -c ] || exit 3
        shift 2
        CCXMON_ROOT=$fake/root/$c CCXTRACE_DIR=$fake/root/$c/snap exec sh -c "$@" ;;
esac
exit 3
X
chmod +x "$fake/bin/docker"
cp "$fake/bin/docker" "$fake/bin/podman"
export PATH=$fake/bin:$PATH

# expected "used,limit" in MiB for each canned value, from explicit factors
expect_mib() {
    awk -v s="$1" 'BEGIN {
        n = split("GiB MiB KiB GB MB kB B", u, " ")
        f["GiB"] = 1073741824; f["MiB"] = 1048576; f["KiB"] = 1024
        f["GB"] = 1e9; f["MB"] = 1e6; f["kB"] = 1e3; f["B"] = 1
        for (i = 1; i <= n; i++) if (substr(s, length(s) - length(u[i]) + 1) == u[i]) {
            printf "%.2f", substr(s, 1, length(s) - length(u[i])) * f[u[i]] / 1048576; exit }
        print "?" }'
}

# ---- five containers, default names, 3 samples -----------------------------
out=$(scripts/monitor_all_local.sh --interval 200ms --count 3 --meminfo-every 0.3s --output-dir "$tmp/o1" 2>&1)
rc=$?
[ $rc = 0 ] || bad "monitor_all_local exit $rc: $out"
dir=$(ls -d "$tmp"/o1/local_monitoring_* 2>/dev/null | head -n 1)
case $(basename "${dir:-x}") in
    local_monitoring_[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]) ok "output directory $(basename "$dir")" ;;
    *) bad "no local_monitoring_YYYYMMDD_HHMMSS directory in $tmp/o1"; dir=$tmp/none ;;
esac
grep -q '^docker version' "$fake/calls" && ok "engine auto-detected: docker" || bad "docker not used"
for c in rules-uploader archive-sync archive-sync-ols multiplexor rules-processing; do
    f=$dir/${c}_docker_stats.csv
    [ -f "$f" ] || { bad "$c: no $f"; continue; }
    [ "$(head -n 1 "$f")" = "$SEED_HEADER" ] || bad "$c: header $(head -n 1 "$f")"
    [ "$(wc -l <"$f")" = 4 ] || bad "$c: $(($(wc -l <"$f") - 1)) rows, want 3"
    # each row against the canned line it came from
    i=0
    while IFS=, read -r ts el cpu used limit memp net blk; do
        canned=$(sed -n "$((i % $(wc -l <"$fake/stats/$c") + 1))p" "$fake/stats/$c")
        IFS='|' read -r _n ccpu cmem cmemp cnet cblk <<<"$canned"
        cu=$(expect_mib "${cmem%% / *}"); cl=$(expect_mib "${cmem##* / }")
        cl=$(awk -v x="$cl" 'BEGIN { printf "%.1f", x }')
        [ "$used" = "$cu" ] || bad "$c row $i: mem_usage_mb $used, want $cu (from '${cmem%% / *}')"
        [ "$limit" = "$cl" ] || bad "$c row $i: mem_limit_mb $limit, want $cl (from '${cmem##* / }')"
        [ "$cpu" = "${ccpu%\%}" ] && [ "$memp" = "${cmemp%\%}" ] || bad "$c row $i: cpu/mem% $cpu $memp"
        [ "$net" = "$cnet" ] && [ "$blk" = "$cblk" ] || bad "$c row $i: io '$net' '$blk'"
        [ "$el" = 0 ] || bad "$c row $i: elapsed_min $el"
        [[ $ts =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9]{2}:[0-9]{2}:[0-9]{2}$ ]] || bad "$c row $i: timestamp '$ts'"
        i=$((i + 1))
    done < <(tail -n +2 "$f")
done
ok "docker_stats rows checked against canned values (units B kB KiB MB MiB GB GiB)"
# the example values, by hand
grep -q ',266.80,7837.7,' "$dir/rules-processing_docker_stats.csv" || bad "266.8MiB / 7.654GiB not 266.80,7837.7"
grep -q ',1536.00,7837.7,' "$dir/rules-processing_docker_stats.csv" || bad "1.5GiB not 1536.00"
grep -q ',68.00,7820.1,' "$dir/archive-sync_docker_stats.csv" || bad "71.3MB / 8.2GB not 68.00,7820.1"
grep -q ',0.86,1430.5,' "$dir/archive-sync_docker_stats.csv" || bad "900kB / 1.5GB not 0.86,1430.5"
grep -q ',0.12,2048.0,' "$dir/archive-sync_docker_stats.csv" || bad "123456B / 2GiB not 0.12,2048.0"
grep -q ',0.50,1024.0,' "$dir/multiplexor_docker_stats.csv" || bad "512KiB / 1024MiB not 0.50,1024.0"
# cgroup memory: v2 and v1, from the container's own cgroup
cg=$dir/rules-processing_cgroup_memory.csv
[ "$(tail -n 1 "$cg" | cut -d, -f3-)" = "283000000,200000000,70000000,13000000," ] || bad "cgroup v2 row: $(tail -n 1 "$cg")"
[ "$(wc -l <"$cg")" = 4 ] || bad "cgroup v2: $(wc -l <"$cg") lines"
cg=$dir/archive-sync_cgroup_memory.csv
[ "$(tail -n 1 "$cg" | cut -d, -f3-)" = "87000000,52000000,31000000,3000000," ] || bad "cgroup v1 row: $(tail -n 1 "$cg")"
[ "$(wc -l <"$dir/multiplexor_cgroup_memory.csv")" = 1 ] || bad "multiplexor has no cgroup: rows written"
ok "cgroup memory (v2 memory.current/memory.stat, v1 usage_in_bytes/total_rss)"
# tracer stats: this container's line only, in the tracer's own format, once
tr=$dir/rules-processing_tracer.stats.csv
[ "$(head -n 1 "$tr")" = "time_utc,uptime_s,rss_bytes,live_bytes,tracer_bytes,gc_count0,gc_count1,gc_count2,gc_collections0,gc_collections1,gc_collections2" ] || bad "tracer stats header: $(head -n 1 "$tr")"
[ "$(tail -n +2 "$tr")" = "2026-11-26T22:40:00Z,10.0,283000000,150000000,2000000,5,1,200,40,3,0" ] || bad "tracer stats rows (3 samples of one line): $(cat "$tr")"
[ -e "$dir/multiplexor_tracer.stats.csv" ] && bad "multiplexor has no tracer stats: a file was written"
ok "tracer stats from the container's own stats CSV"
# meminfo snapshots
mi=$(ls "$dir/rules-processing_proc_meminfo/" 2>/dev/null | head -n 1)
[ -n "$mi" ] && grep -q '^MemTotal: *8026112 kB' "$dir/rules-processing_proc_meminfo/$mi" && ok "meminfo snapshot $mi" || bad "no meminfo snapshot"
grep -q '^targets: rules-uploader archive-sync archive-sync-ols multiplexor rules-processing$' "$dir/monitoring_info.txt" || bad "monitoring_info.txt"
# ccx-analyze plot charts the directory: five containers, the tracer's RSS and live series
if [ -x "$build/bin/ccx-analyze" ]; then
    plot=$("$build/bin/ccx-analyze" plot "$dir" --format text 2>&1) || bad "plot failed: $plot"
    for c in rules-uploader archive-sync archive-sync-ols multiplexor rules-processing; do
        echo "$plot" | grep -q "^$c " || bad "plot has no $c series: $plot"
    done
    echo "$plot" | grep -q '^rules-processing_tracer traced live' && ok "ccx-analyze plot charts the directory (docker stats and the tracer's series)" \
        || bad "plot has no tracer series: $plot"
fi

# ---- podman: explicit, and auto-detected when docker's engine is down -------
rm -f "$fake/calls"
out=$(FAKE_DEAD=docker scripts/monitor_local.sh --interval 100ms --count 1 --out "$tmp/o2" multiplexor 2>&1)
[ $? = 0 ] && grep -q '^podman stats' "$fake/calls" && ok "podman auto-detected when docker does not answer" || bad "podman auto-detect: $out"
out=$(FAKE_DEAD=podman scripts/monitor_local.sh --engine podman --interval 100ms --count 1 --out "$tmp/o3" multiplexor 2>&1)
[ $? = 1 ] && echo "$out" | grep -q 'no target could be read' && ok "a dead engine: exit 1, said so" || bad "dead podman: $out"
out=$(FAKE_DEAD=docker PATH=$fake/bin:/usr/bin:/bin scripts/monitor_local.sh --engine docker --count 1 --out "$tmp/o4" multiplexor 2>&1)
[ $? = 1 ] || bad "dead docker with --engine: $out"

# ---- a missing container: the others are still recorded ---------------------
out=$(scripts/monitor_local.sh --interval 100ms --count 2 --out "$tmp/o5" multiplexor no-such 2>&1)
[ $? = 0 ] && echo "$out" | grep -q 'no-such: no stats' && [ "$(wc -l <"$tmp/o5/multiplexor_docker_stats.csv")" = 3 ] \
    && ok "a missing container is reported, the others recorded" || bad "missing container: $out"

# ---- usage errors -------------------------------------------------------------
for args in "--interval 5x multiplexor" "--bogus multiplexor" "" "--pid 999999999" "--pid 1 multiplexor" "--engine lxc multiplexor" "--count abc multiplexor"; do
    # shellcheck disable=SC2086
    out=$(scripts/monitor_local.sh $args --out "$tmp/o6" 2>&1)
    rc=$?
    [ $rc = 2 ] && [ "$(echo "$out" | head -n 1 | grep -c '^monitor_local.sh: ')" = 1 ] || bad "'$args': exit $rc: $out"
done
ok "usage errors exit 2 with one line"

# ---- --duration, and SIGTERM stops cleanly ------------------------------------
t0=$EPOCHREALTIME
scripts/monitor_local.sh -q --interval 200ms --duration 1s --out "$tmp/o7" multiplexor >/dev/null 2>&1
n=$(($(wc -l <"$tmp/o7/multiplexor_docker_stats.csv") - 1))
secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')
[ $n -ge 2 ] && awk -v s="$secs" 'BEGIN { exit !(s < 20) }' && ok "--duration 1s: $n samples in ${secs}s" || bad "--duration: $n samples, ${secs}s"
scripts/monitor_local.sh --interval 200ms --out "$tmp/o8" multiplexor >"$tmp/o8.log" 2>&1 &
mp=$!
for _ in $(seq 100); do [ "$({ wc -l <"$tmp/o8/multiplexor_docker_stats.csv"; } 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 0.1; done
kill -TERM $mp; wait $mp; rc=$?
[ $rc = 0 ] && grep -q 'stopped after' "$tmp/o8.log" && ok "SIGTERM: exit 0 with a summary" || bad "SIGTERM: exit $rc: $(cat "$tmp/o8.log")"
exit $fail
