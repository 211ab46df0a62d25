#!/usr/bin/env bash
# test_term.sh - CCXTRACE_ON_TERM=snapshot in the traced image on podman:
#   1. the stand-in service as pid 1 (no signal handlers of its own):
#      `podman stop` yields a last snapshot (reason term, pid 1) through the
#      bind mount, and the container ends as the same service untraced
#      ends (same exit status, 137: pid 1 ignores the re-sent default
#      SIGTERM, SIGKILL at the stop timeout; neither ends before it);
#   2. the service started by a wrapper that ignores SIGTERM (`trap ""
#      TERM; exec ...`, not pid 1): the tracer leaves the disposition alone
#      (SIGTERM still in SigIgn, not in SigCgt), and a SIGTERM neither ends
#      it nor writes a term snapshot.
# Only lower bounds on time are checked; the durations are printed.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
ctr_init
service=$(ctr_service_image) || exit 1
traced=$(ctr_traced_image) || exit 1
grace=3
snaps=$CCX_TMP/snaps
mkdir -p "$snaps" && chmod 0755 "$CCX_TMP" && chmod 0777 "$snaps"
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
pid_snaps() { (cd "$snaps" && ls -1 ccxtrace.*.json 2>/dev/null | awk -F. -v p="$1" '$3 == p'); }
sig_bit() {  # CONTAINER PID FIELD: 1 if SIGTERM (15) is in /proc/PID/status's FIELD mask
    local m
    m=$(podman exec "$1" awk -v f="$3:" '$1 == f { print $2 }' "/proc/$2/status")
    echo $(( (0x$m >> 14) & 1 ))
}

# ---- 1. pid 1, podman stop ------------------------------------------------------------
u=$(ctr_start_service plain "$service") || exit 1
t=$(ctr_start_service traced "$traced" -e CCXTRACE_ON_TERM=snapshot -e CCXTRACE_SAMPLE=16k -v "$snaps:/var/lib/ccxtrace:z") || exit 1
podman exec "$t" grep -q libccxtrace.so /proc/1/maps || bad "the traced service has no libccxtrace.so mapped"
[ "$(sig_bit "$t" 1 SigCgt)" = 1 ] && ok "the tracer caught SIGTERM in pid 1 (CCXTRACE_ON_TERM=snapshot)" \
    || bad "SIGTERM is not caught in the traced pid 1"
[ "$(sig_bit "$u" 1 SigCgt)" = 0 ] || bad "the untraced service catches SIGTERM: the stand-in is not like the service"

# ---- 2. SIGTERM ignored by a wrapper (started now, before the stop) -------------------
podman exec -d "$t" sh -c 'echo $$ >/tmp/ign.pid; trap "" TERM; exec ccx-messaging config.yaml' >/dev/null \
    || bad "podman exec of the wrapper"
ipid=
for _ in $(seq 100); do ipid=$(podman exec "$t" cat /tmp/ign.pid 2>/dev/null) && [ -n "$ipid" ] \
    && podman exec "$t" grep -q libccxtrace.so "/proc/$ipid/maps" 2>/dev/null && break; sleep 0.1; done
if [ -n "$ipid" ]; then
    [ "$(sig_bit "$t" "$ipid" SigIgn)" = 1 ] && [ "$(sig_bit "$t" "$ipid" SigCgt)" = 0 ] \
        && ok "pid $ipid (wrapper: trap \"\" TERM; exec): SIGTERM still ignored, no handler installed" \
        || bad "pid $ipid: SIGTERM ignored $(sig_bit "$t" "$ipid" SigIgn), caught $(sig_bit "$t" "$ipid" SigCgt)"
    podman exec "$t" sh -c 'kill -TERM "$1"' sh "$ipid" || bad "kill -TERM $ipid"
    sleep 1
    # a snapshot by SIGUSR2 after the SIGTERM: the helper ran after it
    podman exec "$t" sh -c 'kill -USR2 "$1"' sh "$ipid" || bad "kill -USR2 $ipid"
    ctr_wait_files "$snaps" "ccxtrace.*.$ipid.*.json" 1 30 || bad "no SIGUSR2 snapshot of pid $ipid"
    podman exec "$t" test -d "/proc/$ipid" && ok "pid $ipid still runs after SIGTERM" || bad "SIGTERM ended pid $ipid"
    for f in $(pid_snaps "$ipid"); do
        r=$(json "$snaps/$f" 'd["reason"]')
        [ "$r" = term ] && bad "$f: a term snapshot of the process that ignores SIGTERM"
        echo "  pid $ipid: $f reason $r"
    done
else
    bad "the wrapper's service did not start"
fi

ctr_stop_pair_alike "$grace" "$u" "$t" "traced with CCXTRACE_ON_TERM=snapshot"
terms=
for f in $(pid_snaps 1); do [ "$(json "$snaps/$f" 'd["reason"]')" = term ] && terms="$terms $f"; done
[ -n "$terms" ] && ok "podman stop: a last snapshot of pid 1:$terms" || bad "no term snapshot of pid 1: $(ls "$snaps")"
for f in $terms; do
    grep -q 'ccx_messaging/command_line.py' "$snaps/$f" || bad "$f: no frame of the service's code"
done
ls "$snaps" | grep -q '\.tmp$' && bad "a temporary file is left: $(ls "$snaps")"
exit $fail
