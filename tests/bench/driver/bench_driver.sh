#!/usr/bin/env bash
# bench_driver.sh - ccx-driver's throughput: uploads per second of 100 KiB
# archives (pool mode, 16 cluster ids, and the default, a new cluster id in
# every upload, measured in the same run) against a minimal local sink (tests/bench/driver/sink.c:
# reads each request, answers 202; not the validating test server) at
# concurrency 1 and 8, and the driver's own CPU time per upload.  The
# sink's own ceiling is measured in the same run with a raw client that
# sends a precomputed request (no libcurl, no per-request work), so the
# driver's figure reads as a ratio of what the sink can take.
# Env: BENCH_SECONDS (default 3).
set -eu
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${CCX_BUILD:-$root/build}
tmp=${CCX_TMP:-$(mktemp -d)}
secs=${BENCH_SECONDS:-3}
drv=$build/bin/ccx-driver
[ -x "$drv" ] || { echo "ccx-driver not built at $drv"; exit 1; }
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
${CC:-cc} -O2 -pthread -Wall -Wextra -Werror -o "$tmp/sink" "$root/tests/bench/driver/sink.c"
"$tmp/sink" serve >"$tmp/port" &
sink=$!
trap 'kill $sink 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
port=$(cat "$tmp/port")
url=http://127.0.0.1:$port/api/ingress/v1/upload

field() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {}, d))" "$@"; }

printf '%-34s %12s %14s %12s\n' "run (100 KiB archives, ${secs}s)" "uploads/s" "CPU ms/upload" "of ceiling"
# One driver run: $1 concurrency, $2 label, $3 json, then --clusters ...
drive() {
    local conc=$1 label=$2 json=$3
    shift 3
    "$drv" upload --url "$url" --delay 0 --concurrency "$conc" --duration "${secs}s" \
        --pool 16 --archive-size 100k --retries 0 --quiet --summary-json "$json" "$@" >/dev/null
    local rate cpu failed kib ratio
    rate=$(field "$json" 'round(uploads_per_s, 1)')
    cpu=$(field "$json" 'round(cpu_s * 1000 / max(uploads, 1), 3)')
    failed=$(field "$json" 'failed')
    kib=$(field "$json" 'round(bytes_sent / 1024 / max(requests, 1), 1)')
    ratio=$(awk -v a="$rate" -v b="$ceiling" 'BEGIN { r = (b > 0) ? a / b : 0; printf "%.2f", r }')
    printf '%-34s %12s %14s %12s\n' "$label" "$rate" "$cpu" "$ratio"
    [ "$failed" = 0 ] || { echo "bench: $failed uploads failed"; exit 1; }
    echo "  ($kib KiB sent per request, $(field "$json" 'uploads') uploads, p50 $(field "$json" 'latency_ms["p50"]') ms)"
}
for conc in 1 8; do
    ceiling=$("$tmp/sink" blast "$port" "$conc" "$secs" 102400)
    printf '%-34s %12s %14s %12s\n' "sink ceiling, raw client, conc $conc" "$ceiling" "-" "1.00"
    # pool mode: 16 archives cycled, 16 cluster ids (the driver before --clusters)
    drive "$conc" "pool of 16 ids, concurrency $conc" "$tmp/p$conc.json" --clusters keep
    # the default: a new cluster id in every upload
    drive "$conc" "new id per upload, concurrency $conc" "$tmp/n$conc.json"
    pool=$(field "$tmp/p$conc.json" 'uploads_per_s')
    new=$(field "$tmp/n$conc.json" 'uploads_per_s')
    echo "  new ids / pool: $(awk -v a="$new" -v b="$pool" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }') (target >= 0.80)"
done
echo "target: >= 1000 uploads/s at concurrency 8; a new id per upload within 20% of pool mode"
