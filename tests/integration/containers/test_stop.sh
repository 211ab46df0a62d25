#!/usr/bin/env bash
# test_stop.sh - `podman stop` ends a traced service as it ends the same
# service untraced, with CCXTRACE_ON_TERM unset: the stand-in service (pid
# 1, no signal handlers, like ccx-messaging) ignores SIGTERM as pid 1
# does, so both are killed with SIGKILL when the stop timeout ends: exit
# status 137 for both, and neither ends before the timeout (the tracer
# installs no SIGTERM handler of its own).  Only lower bounds on time are
# checked; the durations are printed.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
ctr_init
service=$(ctr_service_image) || exit 1
traced=$(ctr_traced_image) || exit 1
grace=2

start_one() {  # NAME IMAGE -> container name, once it printed "ready"
    local c i
    c=$(ctr_run "$1" --network none "$2" ccx-messaging config.yaml) || return 1
    for i in $(seq 100); do podman logs "$c" 2>/dev/null | grep -q '^ready$' && break; sleep 0.1; done
    echo "$c"
}
stop_one() {  # CONTAINER -> "EXIT-STATUS SECONDS"
    local t0 t1
    t0=$(ctr_now)
    podman stop -t "$grace" "$1" >/dev/null 2>&1
    t1=$(ctr_now)
    echo "$(podman inspect -f '{{.State.ExitCode}}' "$1") $(ctr_secs "$t0" "$t1")"
}
u=$(start_one plain "$service") && t=$(start_one traced "$traced") || exit 1
podman exec "$t" grep -q libccxtrace.so /proc/1/maps || bad "the traced service has no libccxtrace.so mapped"
podman exec "$t" env | grep -q '^CCXTRACE_ON_TERM=' && bad "CCXTRACE_ON_TERM is set in the traced image"
podman exec "$t" grep -q libccxtrace.so /proc/1/maps && ok "traced service runs (CCXTRACE_ON_TERM unset)"
# stop both at once, so both see the same load
stop_one "$u" >"$CCX_TMP/u" & pu=$!
stop_one "$t" >"$CCX_TMP/t" & pt=$!
wait $pu $pt
read -r ucode usecs <"$CCX_TMP/u"
read -r tcode tsecs <"$CCX_TMP/t"
echo "untraced: exit $ucode after ${usecs} s; traced: exit $tcode after ${tsecs} s (stop timeout ${grace} s)"
[ "$ucode" = "$tcode" ] && ok "same exit status $ucode" || bad "exit status: untraced $ucode, traced $tcode"
[ "$ucode" = 137 ] || bad "the untraced service did not end by SIGKILL (exit $ucode): the stand-in is not like the service"
for s in "$usecs" "$tsecs"; do
    awk -v s="$s" -v g="$grace" 'BEGIN { exit !(s >= g) }' || bad "a stop took ${s} s, less than the ${grace} s timeout: SIGTERM ended it"
done
[ $fail = 0 ] && ok "both ended by SIGKILL after the stop timeout"
exit $fail
