#!/usr/bin/env bash
# monitor_local.sh - watches the memory of containers (docker or podman) or
# local processes (--pid) over time, in the seed investigation's CSV format
# plus what it lacked: container memory from the cgroup and the traced
# service's own figures from libccxtrace.so's stats CSV.
#
#   scripts/monitor_local.sh [options] CONTAINER...
#   scripts/monitor_local.sh [options] --pid PID[,PID...]
#
# Options:
#   --engine docker|podman   container engine (default: the first of docker,
#                            podman whose engine answers)
#   --interval T             time between samples (default 5s; 500ms, 1m, ...)
#   --duration T             stop after T (default: until Ctrl-C / SIGTERM)
#   --count N                stop after N samples
#   --meminfo-every T        /proc/meminfo snapshot period (default 1m; 0 = never)
#   --tracer-dir DIR         where the tracer's stats CSVs are (--pid mode;
#                            default: the process's CCXTRACE_DIR, else its cwd)
#   --output-dir DIR         parent of local_monitoring_YYYYMMDD_HHMMSS/ (default .)
#   --out DIR                write into exactly DIR instead
#   -q, --quiet              no progress lines
#
# Output, per target (a container name, or pid<PID> in --pid mode):
#   <t>_docker_stats.csv     timestamp,elapsed_min,cpu_perc,mem_usage_mb,
#                            mem_limit_mb,mem_perc,net_io,block_io  (the seed's
#                            columns; memory in MiB whatever unit the engine
#                            printed: B, kB, KiB, MB, MiB, GB, GiB)
#   <t>_cgroup_memory.csv    timestamp,elapsed_min,memory_current_bytes,
#                            anon_bytes,file_bytes,kernel_bytes,memory_max_bytes
#                            (the container's own cgroup, v2 or v1)
#   <t>_tracer.stats.csv     the tracer's own stats CSV lines (its header:
#                            rss, live estimate, tracer bytes, gc counts and
#                            collections measured inside the service), each
#                            line once; only when the service runs with
#                            CCXTRACE_STATS_INTERVAL set
#   <t>_proc_meminfo/        meminfo_YYYYMMDD_HHMMSS.txt (in a container
#                            /proc/meminfo shows the host: use the cgroup CSV)
#   monitoring_info.txt      what was watched, how, and when
# Times are UTC.  `ccx-analyze plot DIR` charts the directory.
#
# Exit status: 0 after a normal stop (duration, count, Ctrl-C, SIGTERM),
# 2 on a usage error, 1 when no target could be read at all.
set -u
here=$(cd "$(dirname "$0")" && pwd)
prog=monitor_local.sh
STATS_HEADER="time_utc,uptime_s,rss_bytes,live_bytes,tracer_bytes,gc_count0,gc_count1,gc_count2,gc_collections0,gc_collections1,gc_collections2"

die_usage() { echo "$prog: $*" >&2; echo "usage: $prog [options] CONTAINER... | --pid PID[,PID...]  (--help)" >&2; exit 2; }

# ccx-units: the project's unit parser (built by make into build*/bin).
units=
for c in "${CCX_UNITS:-}" "${CCX_BUILD:-}/bin/ccx-units" "$here/../${BUILD:-build}/bin/ccx-units" "$here/../build/bin/ccx-units"; do
    [ -n "$c" ] && [ -x "$c" ] && { units=$c; break; }
done
[ -n "$units" ] || units=$(command -v ccx-units 2>/dev/null || true)
[ -n "$units" ] || { echo "$prog: ccx-units not found: run 'make' first (or set CCX_UNITS)" >&2; exit 2; }

seconds() {  # duration -> seconds (decimal), or die
    local v
    v=$("$units" duration "$1" 2>/dev/null) && [ "$v" != "?" ] || die_usage "$2: '$1' is not a duration (e.g. 5s, 500ms, 4h)"
    echo "$v"
}

engine= interval=5 duration= count= meminfo_every=60 tracer_dir= outparent=. outdir= quiet=0
pids=() targets=()
while [ $# -gt 0 ]; do
    case $1 in
        --engine) [ $# -ge 2 ] || die_usage "--engine needs a value"; engine=$2; shift 2 ;;
        --engine=*) engine=${1#*=}; shift ;;
        --interval|--duration|--count|--meminfo-every|--tracer-dir|--output-dir|--out|--pid)
            [ $# -ge 2 ] || die_usage "$1 needs a value"
            case $1 in
                --interval) interval=$(seconds "$2" --interval) || exit 2 ;;
                --duration) duration=$(seconds "$2" --duration) || exit 2 ;;
                --count) count=$2 ;;
                --meminfo-every) meminfo_every=$(seconds "$2" --meminfo-every) || exit 2 ;;
                --tracer-dir) tracer_dir=$2 ;;
                --output-dir) outparent=$2 ;;
                --out) outdir=$2 ;;
                --pid) IFS=, read -r -a more <<<"$2"; pids+=("${more[@]}") ;;
            esac
            shift 2 ;;
        -q|--quiet) quiet=1; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        --) shift; targets+=("$@"); break ;;
        -*) die_usage "unknown option $1" ;;
        *) targets+=("$1"); shift ;;
    esac
done
case $count in ''|*[!0-9]*) [ -z "$count" ] || die_usage "--count: '$count' is not a number" ;; esac
awk -v i="$interval" 'BEGIN { exit !(i > 0) }' || die_usage "--interval must be more than 0"
for p in "${pids[@]}"; do
    case $p in ''|*[!0-9]*) die_usage "--pid: '$p' is not a process id" ;; esac
    [ -d "/proc/$p" ] || die_usage "--pid: no process $p"
done
if [ ${#pids[@]} -gt 0 ] && [ ${#targets[@]} -gt 0 ]; then
    die_usage "give containers or --pid, not both"
fi
[ ${#pids[@]} -gt 0 ] || [ ${#targets[@]} -gt 0 ] || die_usage "no container and no --pid given"

if [ ${#pids[@]} -eq 0 ]; then
    case $engine in
        '')
            for e in docker podman; do
                command -v "$e" >/dev/null 2>&1 || continue
                if "$e" version >/dev/null 2>&1; then engine=$e; break; fi
                [ -n "$engine" ] || first=$e
            done
            if [ -z "$engine" ]; then
                [ -n "${first:-}" ] && { echo "$prog: $first is installed but its engine does not answer ('$first version' failed); start it or pass --engine" >&2; exit 1; }
                echo "$prog: neither docker nor podman found on PATH (or use --pid)" >&2; exit 1
            fi ;;
        docker|podman) command -v "$engine" >/dev/null 2>&1 || { echo "$prog: --engine $engine: not found on PATH" >&2; exit 1; } ;;
        *) die_usage "--engine: '$engine' is neither docker nor podman" ;;
    esac
fi

if [ -z "$outdir" ]; then
    outdir=$outparent/local_monitoring_$(date -u +%Y%m%d_%H%M%S)
fi
mkdir -p "$outdir" || { echo "$prog: cannot create $outdir" >&2; exit 1; }

# ---- what runs in the target: cgroup memory, tracer stats, /proc/meminfo ----
# Prints sections "## name" followed by the files' contents.  In a container
# it runs through '<engine> exec'; in --pid mode locally with the process's
# cgroup directory.  CCXMON_ROOT prefixes every path (empty for real; the
# tests point it at a fake tree).
probe_script='
r=${CCXMON_ROOT:-}
cg=${1:-}
if [ -z "$cg" ]; then
  for d in "$r/sys/fs/cgroup" "$r/sys/fs/cgroup/memory"; do
    if [ -r "$d/memory.current" ] || [ -r "$d/memory.usage_in_bytes" ]; then cg=$d; break; fi
  done
fi
echo "## cgroup"
if [ -r "$cg/memory.current" ]; then
  echo "current $(cat "$cg/memory.current")"
  [ -r "$cg/memory.max" ] && echo "max $(cat "$cg/memory.max")"
  cat "$cg/memory.stat" 2>/dev/null
elif [ -r "$cg/memory.usage_in_bytes" ]; then
  echo "current $(cat "$cg/memory.usage_in_bytes")"
  echo "max $(cat "$cg/memory.limit_in_bytes" 2>/dev/null)"
  echo "kmem $(cat "$cg/memory.kmem.usage_in_bytes" 2>/dev/null)"
  sed -n "s/^total_rss /anon /p; s/^total_cache /file /p" "$cg/memory.stat" 2>/dev/null
fi
echo "## tracer"
d=${2:-${CCXTRACE_DIR:-.}}
pat=${3:-ccxtrace.$(cat "$r/proc/sys/kernel/hostname" 2>/dev/null).*.stats.csv}
f=$(cd "$d" 2>/dev/null && ls -t $pat 2>/dev/null | head -n 1)
[ -n "$f" ] && tail -n 1 "$d/$f"
if [ "${4:-0}" = 1 ]; then echo "## meminfo"; cat "$r/proc/meminfo"; fi
echo "## end"
'

# ---- per-target state ----------------------------------------------------------
declare -A name_of cpu_prev_ticks rows_of first_mb last_mb missing_warned last_tracer
if [ ${#pids[@]} -gt 0 ]; then
    mode=pid
    for p in "${pids[@]}"; do targets+=("pid$p"); name_of[pid$p]=$p; done
else
    mode=container
fi
for t in "${targets[@]}"; do
    echo "timestamp,elapsed_min,cpu_perc,mem_usage_mb,mem_limit_mb,mem_perc,net_io,block_io" >"$outdir/${t}_docker_stats.csv"
    echo "timestamp,elapsed_min,memory_current_bytes,anon_bytes,file_bytes,kernel_bytes,memory_max_bytes" >"$outdir/${t}_cgroup_memory.csv"
    mkdir -p "$outdir/${t}_proc_meminfo"
    rows_of[$t]=0
done
{
    echo "started_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "mode: $mode${engine:+ ($engine)}"
    echo "targets: ${targets[*]}"
    echo "interval_s: $interval"
    echo "duration_s: ${duration:-until stopped}"
    echo "host: $(cat /proc/sys/kernel/hostname 2>/dev/null)"
} >"$outdir/monitoring_info.txt"

# Decimal sizes like docker prints for net and block I/O ("5.2MB").
human_si() {
    awk -v b="$1" 'BEGIN { split("B kB MB GB TB", u, " "); i = 1
        while (b >= 1000 && i < 5) { b /= 1000; i++ }
        if (i == 1) printf "%.0fB", b; else printf "%.3g%s", b, u[i] }'
}

# One "docker stats" line (NAME|CPU%|USED / LIMIT|MEM%|NET|BLOCK) -> CSV row.
stats_row() {
    local ts=$1 el=$2 line=$3 name cpu mem memp net blk used limit vals
    IFS='|' read -r name cpu mem memp net blk <<<"$line"
    used=${mem%%/*}; limit=${mem#*/}
    used=${used// /}; limit=${limit// /}
    vals=$("$units" size --si "$used" "$limit" 2>/dev/null | tr '\n' ' ')
    set -- $vals
    if [ "${1:-?}" = "?" ] || [ "${2:-?}" = "?" ]; then
        echo "$prog: $name: cannot read memory '$mem'" >&2
        return 1
    fi
    cpu=${cpu%\%}; memp=${memp%\%}
    awk -v ts="$ts" -v el="$el" -v cpu="${cpu// /}" -v u="$1" -v l="$2" -v mp="${memp// /}" -v net="$net" -v blk="$blk" \
        'BEGIN { printf "%s,%d,%s,%.2f,%.1f,%s,%s,%s\n", ts, el, cpu, u / 1048576, l / 1048576, mp, net, blk }'
}

# Sections of a probe's output -> the cgroup CSV and meminfo file; the
# tracer's latest stats line goes to its CSV when it is a new one.
store_probe() {
    local t=$1 ts=$2 el=$3 stamp=$4 out=$5 tr
    tr=$(awk -v ts="$ts" -v el="$el" -v cgcsv="$outdir/${t}_cgroup_memory.csv" \
        -v mi="$outdir/${t}_proc_meminfo/meminfo_$stamp.txt" '
        /^## / { sec = $2; next }
        sec == "cgroup" { v[$1] = $2; if ($1 == "current") have = 1 }
        sec == "tracer" && /^[0-9]/ && NF { tr = $0 }
        sec == "meminfo" { print > mi }
        END {
            if (have) {
                k = ("kernel" in v) ? v["kernel"] : \
                    (("kmem" in v) ? v["kmem"] : \
                    (("kernel_stack" in v) ? v["kernel_stack"] + v["pagetables"] + v["slab"] + v["sock"] + v["percpu"] : ""))
                m = v["max"]; if (m == "max" || length(m) >= 19) m = ""   # unlimited
                printf "%s,%d,%s,%s,%s,%s,%s\n", ts, el, v["current"], v["anon"], v["file"], k, m >> cgcsv
            }
            if (tr != "") print tr
        }' <<<"$out")
    if [ -n "$tr" ] && [ "$tr" != "${last_tracer[$t]:-}" ]; then
        # created with the first line (an empty one would not chart)
        [ -e "$outdir/${t}_tracer.stats.csv" ] || echo "$STATS_HEADER" >"$outdir/${t}_tracer.stats.csv"
        echo "$tr" >>"$outdir/${t}_tracer.stats.csv"
        last_tracer[$t]=$tr
    fi
}

# --pid mode: the docker_stats row from /proc, like the engine would print it,
# into ROW (not printed: the CPU tick state must stay in this shell).
pid_row() {
    local t=$1 p=$2 ts=$3 el=$4 status stat ticks cpu rss limit cg netio blkio
    status=$(cat "/proc/$p/status" 2>/dev/null) || return 1
    stat=$(cat "/proc/$p/stat" 2>/dev/null) || return 1
    stat=${stat##*) }     # fields after the command name
    ticks=$(awk '{ print $12 + $13 }' <<<"$stat")
    local hz; hz=$(getconf CLK_TCK)
    if [ -n "${cpu_prev_ticks[$t]:-}" ]; then
        cpu=$(awk -v a="${cpu_prev_ticks[$t]}" -v b="$ticks" -v hz="$hz" -v dt="$last_dt" \
            'BEGIN { if (dt <= 0) dt = 1; printf "%.2f", 100 * (b - a) / hz / dt }')
    else
        cpu=0.00
    fi
    cpu_prev_ticks[$t]=$ticks
    rss=$(awk '/^VmRSS:/ { printf "%.0f", $2 * 1024 }' <<<"$status")
    [ -n "$rss" ] || rss=0
    limit=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
    cg=$(pid_cgroup "$p")
    local m=
    if [ -n "$cg" ]; then m=$(cat "$cg/memory.max" 2>/dev/null || cat "$cg/memory.limit_in_bytes" 2>/dev/null); fi
    case $m in ''|max|*[!0-9]*) ;; *) [ ${#m} -lt 19 ] && [ "$m" -lt "$limit" ] && limit=$m ;; esac
    netio=$(awk 'NR > 2 && $1 != "lo:" { sub(/^[^:]*:/, ""); rx += $1; tx += $9 } END { printf "%.0f %.0f", rx, tx }' "/proc/$p/net/dev" 2>/dev/null)
    set -- $netio
    netio="$(human_si "${1:-0}") / $(human_si "${2:-0}")"
    blkio=$(awk '/^read_bytes:/ { r = $2 } /^write_bytes:/ { w = $2 } END { printf "%.0f %.0f", r, w }' "/proc/$p/io" 2>/dev/null)
    set -- $blkio
    blkio="$(human_si "${1:-0}") / $(human_si "${2:-0}")"
    ROW=$(awk -v ts="$ts" -v el="$el" -v cpu="$cpu" -v u="$rss" -v l="$limit" -v net="$netio" -v blk="$blkio" \
        'BEGIN { printf "%s,%d,%s,%.2f,%.1f,%.2f,%s,%s\n", ts, el, cpu, u / 1048576, l / 1048576, 100 * u / l, net, blk }')
}

pid_cgroup() {  # the process's memory cgroup directory (v2, else v1), if any
    local r=${CCXMON_ROOT:-} rel
    rel=$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup" 2>/dev/null)
    if [ -n "$rel" ] && [ -r "$r/sys/fs/cgroup${rel%/}/memory.current" ]; then
        echo "$r/sys/fs/cgroup${rel%/}"; return
    fi
    rel=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$1/cgroup" 2>/dev/null)
    [ -n "$rel" ] || return 0
    if [ -r "$r/sys/fs/cgroup/memory${rel%/}/memory.usage_in_bytes" ]; then
        echo "$r/sys/fs/cgroup/memory${rel%/}"
    elif [ -r "$r/sys/fs/cgroup/memory/memory.usage_in_bytes" ]; then
        echo "$r/sys/fs/cgroup/memory"   # a cgroup namespace: its root is ours
    fi
}

pid_tracer_dir() {  # --tracer-dir, else the process's CCXTRACE_DIR, else its cwd
    local p=$1 d
    [ -n "$tracer_dir" ] && { echo "$tracer_dir"; return; }
    d=$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | sed -n 's/^CCXTRACE_DIR=//p' | head -n 1)
    case $d in
        /*) echo "$d" ;;
        *) echo "$(readlink "/proc/$p/cwd" 2>/dev/null)/${d:-.}" ;;
    esac
}

# ---- the loop --------------------------------------------------------------
stop=0
trap 'stop=1' INT TERM
start=$EPOCHREALTIME
next=$start
n=0 last_meminfo= last_dt=$interval prev_t=
[ $quiet = 1 ] || echo "$prog: watching ${targets[*]} every ${interval}s${duration:+ for ${duration}s}; output in $outdir (Ctrl-C stops)"
while [ $stop = 0 ]; do
    now=$EPOCHREALTIME
    [ -n "$prev_t" ] && last_dt=$(awk -v a="$prev_t" -v b="$now" 'BEGIN { print b - a }')
    prev_t=$now
    ts=$(date -u '+%Y-%m-%d %H:%M:%S')
    stamp=$(date -u +%Y%m%d_%H%M%S)
    el=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%d", (b - a) / 60 }')
    want_mi=0
    if awk -v e="$meminfo_every" 'BEGIN { exit !(e > 0) }'; then
        if [ -z "$last_meminfo" ] || awk -v a="$last_meminfo" -v b="$now" -v e="$meminfo_every" 'BEGIN { exit !(b - a >= e - 0.001) }'; then
            want_mi=1; last_meminfo=$now
        fi
    fi
    if [ $mode = container ]; then
        stats=$("$engine" stats --no-stream --format '{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.MemPerc}}|{{.NetIO}}|{{.BlockIO}}' "${targets[@]}" 2>"$outdir/.stats_err")
        for t in "${targets[@]}"; do
            line=$(awk -F'|' -v n="$t" '$1 == n { print; exit }' <<<"$stats")
            if [ -z "$line" ]; then
                if [ -z "${missing_warned[$t]:-}" ]; then
                    echo "$prog: $t: no stats from $engine ($(head -c 200 "$outdir/.stats_err" | tr '\n' ' '))" >&2
                    missing_warned[$t]=1
                fi
                continue
            fi
            row=$(stats_row "$ts" "$el" "$line") || continue
            echo "$row" >>"$outdir/${t}_docker_stats.csv"
            rows_of[$t]=$((rows_of[$t] + 1))
            mb=$(cut -d, -f4 <<<"$row"); [ -n "${first_mb[$t]:-}" ] || first_mb[$t]=$mb; last_mb[$t]=$mb
            out=$("$engine" exec "$t" sh -c "$probe_script" probe "" "" "" "$want_mi" 2>/dev/null)
            store_probe "$t" "$ts" "$el" "$stamp" "$out"
        done
    else
        for t in "${targets[@]}"; do
            p=${name_of[$t]}
            if [ ! -d "/proc/$p" ]; then
                [ -n "${missing_warned[$t]:-}" ] || echo "$prog: process $p has exited" >&2
                missing_warned[$t]=1
                continue
            fi
            pid_row "$t" "$p" "$ts" "$el" || continue
            row=$ROW
            echo "$row" >>"$outdir/${t}_docker_stats.csv"
            rows_of[$t]=$((rows_of[$t] + 1))
            mb=$(cut -d, -f4 <<<"$row"); [ -n "${first_mb[$t]:-}" ] || first_mb[$t]=$mb; last_mb[$t]=$mb
            cgdir=$(pid_cgroup "$p"); [ -n "$cgdir" ] || cgdir=none
            out=$(sh -c "$probe_script" probe "$cgdir" "$(pid_tracer_dir "$p")" "ccxtrace.*.$p.*.stats.csv" "$want_mi" 2>/dev/null)
            store_probe "$t" "$ts" "$el" "$stamp" "$out"
        done
        alive=0
        for p in "${pids[@]}"; do [ -d "/proc/$p" ] && alive=1; done
        [ $alive = 1 ] || break
    fi
    n=$((n + 1))
    if [ $quiet = 0 ]; then
        line="[$ts] sample $n:"
        for t in "${targets[@]}"; do line+=" $t=${last_mb[$t]:--}MiB"; done
        echo "$line"
    fi
    [ -n "$count" ] && [ "$n" -ge "$count" ] && break
    if [ -n "$duration" ] && awk -v a="$start" -v b="$EPOCHREALTIME" -v d="$duration" 'BEGIN { exit !(b - a >= d) }'; then
        break
    fi
    next=$(awk -v n="$next" -v i="$interval" 'BEGIN { printf "%.6f", n + i }')
    wait_s=$(awk -v n="$next" -v now="$EPOCHREALTIME" 'BEGIN { w = n - now; printf "%.3f", (w > 0 ? w : 0) }')
    if [ $stop = 0 ] && [ "$wait_s" != 0.000 ]; then
        sleep "$wait_s" &
        wait $! 2>/dev/null
    fi
done
rm -f "$outdir/.stats_err"

total=0
echo "$prog: stopped after $n samples; output in $outdir"
for t in "${targets[@]}"; do
    total=$((total + rows_of[$t]))
    echo "  $t: ${rows_of[$t]} rows, memory ${first_mb[$t]:--} -> ${last_mb[$t]:--} MiB"
done
echo "  chart it: ccx-analyze plot $outdir -o $outdir/memory.svg"
[ $total -gt 0 ] || { echo "$prog: no target could be read" >&2; exit 1; }
exit 0
