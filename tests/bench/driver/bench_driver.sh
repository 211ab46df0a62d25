#!/usr/bin/env bash
# bench_driver.sh - ccx-driver's throughput: uploads per second of 100 KiB
# pool archives against a minimal local sink (tests/bench/driver/sink.c:
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
for conc in 1 8; do
    ceiling=$("$tmp/sink" blast "$port" "$conc" "$secs" 102400)
    "$drv" upload --url "$url" --delay 0 --concurrency "$conc" --duration "${secs}s" \
        --pool 16 --archive-size 100k --retries 0 --quiet --summary-json "$tmp/s$conc.json" >/dev/null
    rate=$(field "$tmp/s$conc.json" 'round(uploads_per_s, 1)')
    cpu=$(field "$tmp/s$conc.json" 'round(cpu_s * 1000 / max(uploads, 1), 3)')
    failed=$(field "$tmp/s$conc.json" 'failed')
    kib=$(field "$tmp/s$conc.json" 'round(bytes_sent / 1024 / max(requests, 1), 1)')
    ratio=$(awk -v a="$rate" -v b="$ceiling" 'BEGIN { r = (b > 0) ? a / b : 0; printf "%.2f", r }')
    printf '%-34s %12s %14s %12s\n' "sink ceiling, raw client, conc $conc" "$ceiling" "-" "1.00"
    printf '%-34s %12s %14s %12s\n' "ccx-driver, concurrency $conc" "$rate" "$cpu" "$ratio"
    [ "$failed" = 0 ] || { echo "bench: $failed uploads failed"; exit 1; }
    echo "  (driver: $kib KiB sent per request, $(field "$tmp/s$conc.json" 'uploads') uploads, p50 $(field "$tmp/s$conc.json" 'latency_ms["p50"]') ms)"
done
echo "target: >= 1000 uploads/s at concurrency 8"
