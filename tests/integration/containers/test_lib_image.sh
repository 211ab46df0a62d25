#!/usr/bin/env bash
# test_lib_image.sh - `scripts/ccxtrace-image lib-image` for real on podman,
# with the stand-in Debian 12 builder image (lib.sh; no registry): the
# library image holds exactly /opt/ccxtrace/lib/{libccxtrace.so,
# libunwind.so.8,ccxtrace-hook} and /opt/ccxtrace/glibc-check.txt (read from
# `podman export`, as the image has no shell); the report says both
# libraries passed the GLIBC_2.34 check and the hook is static, and objdump
# on the exported files agrees; the hook inside the image, run as the init
# container runs it (`ccxtrace-hook install /opt/ccxtrace/lib DIR`), copies
# the three files byte for byte into a bind-mounted directory.
# test-timeout: 600
set -u
# shellcheck source=tests/integration/containers/lib.sh
source "$(dirname "$0")/lib.sh"
tmp=${CCX_TMP:-$(mktemp -d)}
img=$root/scripts/ccxtrace-image
ctr_init
builder=$(ctr_builder_image) || exit 1

tag=localhost/ccxtrace-test/lib-check:$$
trap 'podman rmi -f "$tag" >/dev/null 2>&1; ctr_cleanup' EXIT
t0=$(ctr_now)
"$img" lib-image --engine podman --builder "$builder" --tag "$tag" >"$tmp/build.out" 2>"$tmp/build.err"
rc=$?
echo "ccxtrace-image lib-image: exit $rc in $(ctr_secs "$t0" "$(ctr_now)") s"
[ $rc = 0 ] && [ "$(cat "$tmp/build.out")" = "$tag" ] && ok "built $tag" \
    || { bad "lib-image: exit $rc, printed '$(cat "$tmp/build.out")'"; tail -n 30 "$tmp/build.err"; exit 1; }

# ---- exactly the expected files --------------------------------------------------
c=$(podman create "$tag" /opt/ccxtrace/lib/ccxtrace-hook) || { bad "podman create $tag"; exit 1; }
mkdir -p "$tmp/fs"
podman export "$c" | tar -x -C "$tmp/fs" || bad "podman export $tag"
podman rm "$c" >/dev/null
# podman adds mount points for the runtime (etc/hosts, dev, proc...) to no
# image; what the image's layers hold is what export gives
got=$(cd "$tmp/fs" && find . -type f | sed 's#^\./##' | LC_ALL=C sort | tr '\n' ' ')
want="opt/ccxtrace/glibc-check.txt opt/ccxtrace/lib/ccxtrace-hook opt/ccxtrace/lib/libccxtrace.so opt/ccxtrace/lib/libunwind.so.8 "
[ "$got" = "$want" ] && ok "the image holds exactly: $got" || bad "image files: '$got', want '$want'"
others=$(cd "$tmp/fs" && find . ! -type f ! -type d)
[ -z "$others" ] && ok "no links or other entries" || bad "other entries: $others"

# ---- the glibc check passed, and holds on the files themselves ---------------------
report=$tmp/fs/opt/ccxtrace/glibc-check.txt
sed 's/^/  /' "$report"
grep -q '/libccxtrace.so GLIBC_[0-9.]* ok$' "$report" && grep -q '/libunwind.so.8 GLIBC_[0-9.]* ok$' "$report" \
    && grep -qx 'ccxtrace-hook static ok' "$report" && ! grep -q 'too new' "$report" \
    && ok "the builder's report: both libraries within GLIBC_2.34, the hook static" || bad "glibc report: $(cat "$report")"
lib=$tmp/fs/opt/ccxtrace/lib
out=$("$img" check-libs "$lib/libccxtrace.so" "$lib/libunwind.so.8") && ok "check-libs on the exported libraries: $(echo "$out" | awk '{ print $2 }' | tr '\n' ' ')" \
    || bad "check-libs: $out"
readelf -l "$lib/ccxtrace-hook" | grep -q INTERP && bad "ccxtrace-hook has an interpreter (not static)" \
    || ok "ccxtrace-hook has no ELF interpreter (static)"
readelf -d "$lib/libccxtrace.so" | grep -q 'SONAME\|NEEDED' && [ -n "$(readelf -d "$lib/libunwind.so.8" | grep 'SONAME.*libunwind.so.8')" ] \
    && ok "libunwind.so.8 is that soname" || bad "libunwind.so.8's soname: $(readelf -d "$lib/libunwind.so.8" | grep SONAME)"

# ---- the hook inside the image installs the libraries -------------------------------
dst=$tmp/dst
mkdir -p "$dst"
chmod 0777 "$dst"
out=$(podman run --rm --network none -v "$dst:/ccxtrace/lib:z" "$tag" \
    /opt/ccxtrace/lib/ccxtrace-hook install /opt/ccxtrace/lib /ccxtrace/lib 2>&1); rc=$?
[ $rc = 0 ] && ok "ccxtrace-hook install ran in the image (exit 0)" || bad "hook install: exit $rc: $out"
for f in libccxtrace.so libunwind.so.8 ccxtrace-hook; do
    if cmp -s "$lib/$f" "$dst/$f" && [ -x "$dst/$f" ]; then ok "installed $f, byte for byte, executable"
    else bad "installed $f: $(ls -l "$dst/$f" 2>&1)"; fi
done
[ "$(ls -A "$dst" | wc -l)" = 3 ] && ok "nothing else in the directory" || bad "directory holds: $(ls -A "$dst")"
# a second install (a restarted pod) replaces the files in place
podman run --rm --network none -v "$dst:/ccxtrace/lib:z" "$tag" \
    /opt/ccxtrace/lib/ccxtrace-hook install /opt/ccxtrace/lib /ccxtrace/lib >/dev/null 2>&1 \
    && cmp -s "$lib/libccxtrace.so" "$dst/libccxtrace.so" && [ "$(ls -A "$dst" | wc -l)" = 3 ] \
    && ok "a second install replaces them" || bad "second install: $(ls -A "$dst")"
exit $fail
