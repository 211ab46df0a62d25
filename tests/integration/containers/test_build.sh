#!/usr/bin/env bash
# test_build.sh - `scripts/ccxtrace-image build` for real on podman: the
# stand-in CCX service image (Debian 12 base, venv, console script, user
# 1001) gets libccxtrace.so compiled in the builder stage (the stand-in
# Debian 12 builder image, no registry); the copied libraries need no
# glibc symbol version above GLIBC_2.34 (checked here again with objdump on
# the files taken out of the image); the options set the tracer's variables
# exactly as `ccxtrace-image env` prints them; the image runs as 1001 with
# the snapshot directory 1001:0, setgid.  The first run on a machine also
# builds the stand-in images (about 2.5 minutes), later runs reuse them.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
tmp=${CCX_TMP:-$(mktemp -d)}
img=$root/scripts/ccxtrace-image
ctr_init
service=$(ctr_service_image) || exit 1
builder=$(ctr_builder_image) || exit 1

tag=localhost/ccxtrace-test/build-check:$$
opts=(--sample 64k --interval 30m --stats-interval 5s --holders-types Record,list --file-mode 0660 --gc-collect 1)
trap 'podman rmi -f "$tag" >/dev/null 2>&1; ctr_cleanup' EXIT
t0=$(ctr_now)
"$img" build --engine podman --builder "$builder" --tag "$tag" "${opts[@]}" "$service" >"$tmp/build.out" 2>"$tmp/build.err"
rc=$?
echo "ccxtrace-image build: exit $rc in $(ctr_secs "$t0" "$(ctr_now)") s"
[ $rc = 0 ] && [ "$(cat "$tmp/build.out")" = "$tag" ] && ok "built $tag" \
    || { bad "build: exit $rc, printed '$(cat "$tmp/build.out")'"; tail -n 30 "$tmp/build.err"; exit 1; }
# the builder stage's check, as the image keeps it (a cached stage prints nothing)
chk=$(podman run --rm --network none "$tag" cat /opt/ccxtrace/glibc-check.txt 2>&1)
echo "$chk" | grep -q '/libccxtrace.so GLIBC_2.3[0-4] ok$' && echo "$chk" | grep -q '/libunwind.so.8 GLIBC_2.3[0-4] ok$' \
    && ok "the builder stage checked the symbol versions: $(echo "$chk" | tr '\n' ';')" || bad "builder stage check: $chk"

# the image's settings are the ones `env` prints for the same options
want=$("$img" env "${opts[@]}" | LC_ALL=C sort)
have=$(podman image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" | grep -E '^(LD_PRELOAD|CCXTRACE_)' | LC_ALL=C sort)
[ "$want" = "$have" ] && ok "image environment = ccxtrace-image env ($(echo "$have" | wc -l) variables)" \
    || bad "image environment differs: $(diff <(echo "$want") <(echo "$have") | tr '\n' ' ')"
for kv in CCXTRACE_INTERVAL=30m CCXTRACE_HOLDERS_TYPES=Record,list CCXTRACE_FILE_MODE=0660 CCXTRACE_ONLY=ccx-messaging CCXTRACE_SAMPLE=64k; do
    echo "$have" | grep -qx "$kv" || bad "image lacks $kv"
done
[ "$(podman image inspect -f '{{.Config.User}}' "$tag")" = 1001 ] && ok "image user 1001" || bad "image user: $(podman image inspect -f '{{.Config.User}}' "$tag")"

# the files in the image, checked on the host
c=$(podman create "$tag" true) || { bad "podman create"; exit 1; }
podman cp "$c:/opt/ccxtrace/lib" "$tmp/lib" && podman rm "$c" >/dev/null
ls "$tmp/lib" | tr '\n' ' ' | grep -qx 'libccxtrace.so libunwind.so.8 ' && ok "image libraries: $(ls "$tmp/lib" | tr '\n' ' ')" || bad "image libraries: $(ls "$tmp/lib" | tr '\n' ' ')"
for f in "$tmp"/lib/*; do
    max=$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    [ "$(printf '%s\n2.34\n' "$max" | sort -V | tail -n 1)" = 2.34 ] && ok "$(basename "$f") needs GLIBC_$max at most" || bad "$(basename "$f") needs GLIBC_$max"
done
objdump -T "$tmp/lib/libccxtrace.so" | grep -q ' ccxtrace_snapshot$' || bad "libccxtrace.so does not export ccxtrace_snapshot"
out=$(podman run --rm --network none "$tag" sh -c 'id -u; id -g; stat -c "%u:%g %a" /var/lib/ccxtrace; ldconfig -p | grep -c "libunwind.so.8 .*/opt/ccxtrace/lib"' 2>&1)
[ "$(echo $out)" = "1001 0 1001:0 2775 1" ] && ok "runs as 1001:0; /var/lib/ccxtrace 1001:0 mode 2775; ldconfig finds libunwind.so.8" \
    || bad "in the image: $(echo $out)"
exit $fail
