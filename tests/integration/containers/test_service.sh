#!/usr/bin/env bash
# test_service.sh - the traced image on podman, run as the CCX services
# run: the stand-in service started by its venv console script
# (`ccx-messaging config.yaml`) is pid 1 of its container, user 1001, and
# traced (CCXTRACE_ONLY=ccx-messaging, the image's default), while a
# `podman exec ... python3 -c` beside it loads the tracer but is not traced;
# a snapshot by the trigger file written on the host through the bind mount,
# and one by SIGUSR2 sent to pid 1 from outside (`podman kill --signal`);
# under umask 077 the files have the image's mode 0640, user 1001, group 0,
# so a reader in group 0 (OpenShift's arbitrary uid) can read them and
# another user cannot.
#
# The mode checks and CCXTRACE_ONLY=bin/ccx-messaging failed before the
# preload had CCXTRACE_FILE_MODE and matched the interpreter's script.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
tmp=${CCX_TMP:-$(mktemp -d)}
ctr_init
traced=$(ctr_traced_image) || exit 1
chmod 0711 "$tmp"
snaps=$tmp/snaps
mkdir -p "$snaps" && chmod 0777 "$snaps"
echo 0 >"$snaps/trigger"

# pid 1's files: ccxtrace.<host>.<pid>.<start>.<seq>.json
pid1_snaps() { (cd "$snaps" && ls -1 ccxtrace.*.json 2>/dev/null | awk -F. '$3 == 1'); }
wait_pid1_snaps() {  # N: until pid 1 has N snapshots (30 s)
    local i
    for i in $(seq 300); do [ "$(pid1_snaps | wc -l)" -ge "$1" ] && return 0; sleep 0.1; done
    return 1
}
json() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$snaps/$1" "$2"; }

# sampling every 16 KiB so the first seconds of the service already have samples
c=$(ctr_run svc --umask 0077 -e CCXTRACE_SAMPLE=16k -v "$snaps:/var/lib/ccxtrace:z" "$traced" ccx-messaging config.yaml) || exit 1
for i in $(seq 100); do podman logs "$c" 2>/dev/null | grep -q '^ready$' && break; sleep 0.1; done
podman logs "$c" 2>&1 | grep -q '^ready$' || { bad "the service did not start: $(podman logs "$c" 2>&1 | tail -n 5)"; exit 1; }

# ---- pid 1, user 1001, the console script, traced ----------------------------------
cmd=$(podman exec "$c" cat /proc/1/cmdline | tr '\0' ' ')
[ "$cmd" = "/ccx-messaging-venv/bin/python3 /ccx-messaging-venv/bin/ccx-messaging config.yaml " ] \
    && ok "pid 1 is the console script: $cmd" || bad "pid 1 runs: $cmd"
ids=$(podman exec "$c" awk '/^(Uid|Gid):/ { print $2 }' /proc/1/status | tr '\n' ' ')
[ "$ids" = "1001 0 " ] && ok "pid 1 runs as uid 1001 gid 0" || bad "pid 1 uid/gid: $ids"
podman exec "$c" grep -q libccxtrace.so /proc/1/maps && ok "libccxtrace.so is mapped in pid 1" || bad "libccxtrace.so not in pid 1"

# ---- a snapshot by the trigger file, through the bind mount --------------------------
t0=$(ctr_now)
echo 1 >"$snaps/trigger"
if wait_pid1_snaps 1; then
    f1=$(pid1_snaps | head -n 1)
    ok "trigger file written on the host: $f1 after $(ctr_secs "$t0" "$(ctr_now)") s"
    [ "$(json "$f1" 'd["reason"]')" = trigger ] || bad "$f1: reason $(json "$f1" 'd["reason"]')"
    [ "$(json "$f1" 'd["pid"]')" = 1 ] || bad "$f1: pid $(json "$f1" 'd["pid"]')"
    [ "$(json "$f1" 'd["host"]')" = "$(podman inspect -f '{{.Config.Hostname}}' "$c")" ] || bad "$f1: host is not the container's hostname"
    grep -q 'ccx_messaging/command_line.py' "$snaps/$f1" && ok "Python frames of the service's code in the snapshot" \
        || bad "no frame of ccx_messaging/command_line.py in $f1"
else
    bad "no snapshot of pid 1 after the trigger: $(ls "$snaps") $(podman logs "$c" 2>&1 | tail -n 5)"
fi

# ---- a snapshot by a signal to pid 1 from outside -----------------------------------
t0=$(ctr_now)
podman kill --signal USR2 "$c" >/dev/null || bad "podman kill --signal USR2"
if wait_pid1_snaps 2; then
    f2=$(pid1_snaps | sed -n 2p)
    [ "$(json "$f2" 'd["reason"]')" = signal ] && ok "SIGUSR2 to pid 1 from outside: $f2 after $(ctr_secs "$t0" "$(ctr_now)") s" || bad "$f2: reason $(json "$f2" 'd["reason"]')"
else
    bad "no snapshot after podman kill --signal USR2: $(ls "$snaps")"
fi
[ "$(podman inspect -f '{{.State.Running}}' "$c")" = true ] && ok "the service still runs" || bad "the service stopped"

# ---- modes under umask 077, and who can read -----------------------------------------
podman exec "$c" sh -c 'grep "^Umask" /proc/1/status' | grep -q '0077' || bad "pid 1's umask is not 077"
for f in $(pid1_snaps); do
    st=$(stat -c '%a %u %g' "$snaps/$f")
    [ "$st" = "640 1001 0" ] && ok "$f: mode 0640, 1001:0 under umask 077" || bad "$f: mode, uid, gid $st (want 640 1001 0)"
done
if [ -n "${f1:-}" ]; then
    podman exec --user 4242:0 "$c" cat "/var/lib/ccxtrace/$f1" >/dev/null 2>&1 \
        && ok "another uid in group 0 reads it in the container (OpenShift)" || bad "uid 4242 gid 0 cannot read $f1"
    podman exec --user 4242:4242 "$c" cat "/var/lib/ccxtrace/$f1" >/dev/null 2>&1 \
        && bad "uid 4242 gid 4242 reads $f1" || ok "a uid outside group 0 cannot read it"
    setpriv --reuid 65534 --regid 0 --clear-groups cat "$snaps/$f1" >/dev/null 2>&1 \
        && ok "on the host, a user in group 0 reads it through the bind mount" || bad "host uid 65534 gid 0 cannot read $f1"
fi

# ---- podman exec python3 beside the service: the tracer is loaded, not tracing -------
before=$(ls "$snaps" | wc -l)
out=$(podman exec "$c" python3 -c '
import os, sys
maps = open("/proc/self/maps").read()
x = [bytearray(1000) for _ in range(20000)]
print(sys.prefix, os.getpid(), "libccxtrace.so" in maps)')
read -r prefix xpid loaded <<<"$out"
[ "$prefix" = /ccx-messaging-venv ] && [ "$loaded" = True ] && ok "exec'd python3 (pid $xpid) is the venv's, with libccxtrace.so preloaded" \
    || bad "exec'd python3: $out"
sleep 1
others=$(cd "$snaps" && ls -1 ccxtrace.* 2>/dev/null | awk -F. '$3 != 1')
[ -z "$others" ] && [ "$(ls "$snaps" | wc -l)" = "$before" ] && ok "the exec'd python3 wrote nothing (CCXTRACE_ONLY=ccx-messaging)" \
    || bad "files of other processes: $others"

# ---- CCXTRACE_ONLY by the script argument alone ---------------------------------------
# "bin/ccx-messaging" is in the script's path (argv[1]) but not in argv[0]
# (/ccx-messaging-venv/bin/python3) nor the executable (/usr/bin/python3.11).
snaps2=$tmp/snaps2 snaps3=$tmp/snaps3
mkdir -p "$snaps2" "$snaps3" && chmod 0777 "$snaps2" "$snaps3"
podman run --rm --network none -v "$snaps2:/var/lib/ccxtrace:z" -e CCXTRACE_ONLY=bin/ccx-messaging \
    "$traced" ccx-messaging config.yaml --run-for 0.5 >/dev/null 2>&1 &
p2=$!
podman run --rm --network none -v "$snaps3:/var/lib/ccxtrace:z" -e CCXTRACE_ONLY=rules-processing \
    "$traced" ccx-messaging config.yaml --run-for 0.5 >/dev/null 2>&1
rc3=$?
wait $p2; rc2=$?
[ "$rc2$rc3" = 00 ] || bad "the --run-for runs exited $rc2 and $rc3"
ls "$snaps2" | grep -q '^ccxtrace\..*\.1\..*\.json$' && ok "CCXTRACE_ONLY=bin/ccx-messaging (the script argument) traces the service: $(ls "$snaps2" | tr '\n' ' ')" \
    || bad "CCXTRACE_ONLY=bin/ccx-messaging: no exit snapshot of the service ($(ls "$snaps2" | tr '\n' ' '))"
[ -z "$(ls "$snaps3")" ] && ok "CCXTRACE_ONLY=rules-processing leaves it alone" || bad "CCXTRACE_ONLY=rules-processing: $(ls "$snaps3")"
exit $fail
