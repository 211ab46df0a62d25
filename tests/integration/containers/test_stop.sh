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

u=$(ctr_start_service plain "$service") && t=$(ctr_start_service traced "$traced") || exit 1
podman exec "$t" grep -q libccxtrace.so /proc/1/maps || bad "the traced service has no libccxtrace.so mapped"
podman exec "$t" env | grep -q '^CCXTRACE_ON_TERM=' && bad "CCXTRACE_ON_TERM is set in the traced image"
podman exec "$t" grep -q libccxtrace.so /proc/1/maps && ok "traced service runs (CCXTRACE_ON_TERM unset)"
ctr_stop_pair_alike "$grace" "$u" "$t" traced
[ $fail = 0 ] && ok "both ended by SIGKILL after the stop timeout"
exit $fail
