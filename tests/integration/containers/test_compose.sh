#!/usr/bin/env bash
# test_compose.sh - the compose override on podman: a two-service
# deployment of the stand-in CCX image (archive-sync, rules-processing,
# each `ccx-messaging config.yaml`), `scripts/ccxtrace-image compose` builds
# the traced images and writes the override, podman-compose (Debian's) starts
# both services from the traced images with the shared snapshot directory;
# one write of the trigger file on the host gives one snapshot from each
# service (pid 1 of each container, named by its container id), with the
# override's mode 0644 so an unprivileged host user reads them.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
tmp=${CCX_TMP:-$(mktemp -d)}
ctr_init
command -v podman-compose >/dev/null 2>&1 || ctr_skip "podman-compose not installed (scripts/install-deps.sh installs it)"
service=$(ctr_service_image) || exit 1
builder=$(ctr_builder_image) || exit 1
chmod 0711 "$tmp"
proj=ccxtest$$
snaps=$tmp/snaps
cat >"$tmp/docker-compose.yml" <<YML
version: "3"
services:
  archive-sync:
    image: $service
    command: ["ccx-messaging", "config.yaml"]
  rules-processing:
    image: $service
    command: ["ccx-messaging", "config.yaml"]
YML
compose() { (cd "$tmp" && podman-compose -p "$proj" -f docker-compose.yml -f docker-compose.ccxtrace.yml "$@"); }
trap 'compose down -t 0 >/dev/null 2>&1; podman network rm -f "${proj}_default" >/dev/null 2>&1; ctr_cleanup' EXIT

t0=$(ctr_now)
"$root/scripts/ccxtrace-image" compose --engine podman --builder "$builder" --snapshot-dir "$snaps" \
    -o "$tmp/docker-compose.ccxtrace.yml" archive-sync="$service" rules-processing="$service" \
    >"$tmp/compose.out" 2>&1 || { bad "ccxtrace-image compose: $(tail -n 20 "$tmp/compose.out")"; exit 1; }
echo "ccxtrace-image compose (two images) took $(ctr_secs "$t0" "$(ctr_now)") s"
traced=$service-ccxtrace
grep -q "image: $traced\$" "$tmp/docker-compose.ccxtrace.yml" && ok "override written: $traced" || bad "override: $(cat "$tmp/docker-compose.ccxtrace.yml")"
echo 0 >"$snaps/trigger"
compose up -d >"$tmp/up.out" 2>&1 || { bad "podman-compose up: $(tail -n 20 "$tmp/up.out")"; exit 1; }

ids=()
for s in archive-sync rules-processing; do
    c=$(podman ps -q --no-trunc --filter "label=io.podman.compose.project=$proj" --filter "label=com.docker.compose.service=$s" | head -n 1)
    [ -n "$c" ] || { bad "no running container for $s: $(podman ps -a --format '{{.Names}} {{.Status}}')"; continue; }
    img=$(podman inspect -f '{{.ImageName}}' "$c")
    [ "$img" = "$traced" ] && ok "$s runs from the traced image" || bad "$s runs $img"
    for i in $(seq 100); do podman logs "$c" 2>/dev/null | grep -q '^ready$' && break; sleep 0.1; done
    podman exec "$c" grep -q libccxtrace.so /proc/1/maps && ok "$s: libccxtrace.so in pid 1" || bad "$s: no libccxtrace.so in pid 1"
    ids+=("$(podman inspect -f '{{.Config.Hostname}}' "$c")")
done
[ ${#ids[@]} = 2 ] || exit 1

echo 1 >"$snaps/trigger"
for i in $(seq 300); do [ "$(ls "$snaps" | grep -c '\.1\.json$')" -ge 2 ] && break; sleep 0.1; done
for h in "${ids[@]}"; do
    f=$(cd "$snaps" && ls -1 "ccxtrace.$h.1."*.json 2>/dev/null | head -n 1)
    if [ -z "$f" ]; then bad "no snapshot of container $h after the trigger: $(ls "$snaps")"; continue; fi
    st=$(stat -c '%a %u' "$snaps/$f")
    [ "$st" = "644 1001" ] && ok "$f: mode 0644, uid 1001" || bad "$f: mode and uid $st (want 644 1001)"
    setpriv --reuid 65534 --regid 65534 --clear-groups cat "$snaps/$f" >/dev/null 2>&1 \
        && ok "an unprivileged host user (65534:65534) reads it" || bad "host user 65534 cannot read $f"
done
compose down -t 0 >/dev/null 2>&1
[ -z "$(podman ps -aq --filter "label=io.podman.compose.project=$proj")" ] && ok "podman-compose down removed the containers" || bad "containers left"
exit $fail
