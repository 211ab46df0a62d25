#!/usr/bin/env bash
# test_ccxtrace_image.sh - scripts/ccxtrace-image without a container engine
# (tests/integration/containers/ runs it on podman): the libraries it would
# copy need no glibc symbol version above GLIBC_2.34 (the built
# libccxtrace.so and Debian's libunwind.so.8; a library needing GLIBC_2.36
# is refused), the generated build contexts (the sources for the builder
# stage, or a prebuilt --lib) and compose override, option checks, and the
# very same environment applied to a local process (a snapshot on the
# trigger file, children such as tar and gzip left alone).
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../../..}"
root=$PWD
tmp=${CCX_TMP:-$(mktemp -d)}
build=${CCX_BUILD:-$root/build}
img=scripts/ccxtrace-image
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }

libunwind=$(ldconfig -p | awk '$1 == "libunwind.so.8" && /x86-64/ { print $NF; exit }')
[ -n "$libunwind" ] || { echo "libunwind.so.8 not installed (libunwind-dev)"; exit 77; }

# ---- glibc versions -------------------------------------------------------------
lib=$build/lib/libccxtrace.so
real=1
sanitized=0
[ -f "$lib" ] && readelf -d "$lib" 2>/dev/null | grep -Eq 'NEEDED.*lib(ub|a|t)san' && sanitized=1
if [ ! -f "$lib" ] || [ $sanitized = 1 ]; then
    real=0
    if [ $sanitized = 1 ]; then
        echo "note: $lib is a sanitizer build (its runtime needs a newer glibc than UBI 9's): a stand-in library that dlopens libunwind.so.8 like the tracer"
    else
        echo "note: $lib not built: a stand-in library that dlopens libunwind.so.8 like the tracer"
    fi
    printf '#include <dlfcn.h>\nvoid *ccx_standin(void) { return dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL); }\n' >"$tmp/standin.c"
    gcc -shared -fPIC -o "$tmp/libstandin.so" "$tmp/standin.c" || exit 1
    lib=$tmp/libstandin.so
fi
files=$($img libs --lib "$lib") || bad "libs failed"
echo "$files" | sed 's/^/  copies: /'
[ "$(echo "$files" | head -n 1)" = "$lib" ] || bad "first file is not the library"
echo "$files" | grep -q '/libunwind.so.8$' && ok "libunwind.so.8 is copied" || bad "libunwind.so.8 not in $files"
echo "$files" | grep -Eq '/(libc\.so\.6|liblzma\.so\.5|ld-linux)' && bad "a library UBI 9 has is copied: $files"
# shellcheck disable=SC2086
out=$($img check-libs $files) && ok "no symbol version above GLIBC_2.34: $(echo $out | tr '\n' ' ')" || bad "check-libs: $out"
# ground truth from objdump directly, version by version
for f in $files; do
    max=$(objdump -T "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
    [ "$(printf '%s\n2.34\n' "$max" | sort -V | tail -n 1)" = 2.34 ] || bad "$f needs GLIBC_$max"
done
[ $real = 1 ] && ok "checked the built libccxtrace.so"
# libunwind.so.8 needs only what UBI has
needed=$(readelf -d "$libunwind" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
[ "$needed" = "ld-linux-x86-64.so.2 libc.so.6 liblzma.so.5 " ] && ok "libunwind.so.8 needs: $needed" || bad "libunwind.so.8 needs: $needed"
# a library that needs GLIBC_2.36 (arc4random) is refused
printf '#include <stdlib.h>\nunsigned r(void) { return arc4random(); }\n' >"$tmp/new.c"
gcc -shared -fPIC -o "$tmp/libnew.so" "$tmp/new.c" || exit 1
out=$($img check-libs "$tmp/libnew.so"); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'GLIBC_2.36 too new' && ok "GLIBC_2.36 refused" || bad "check-libs on a 2.36 library: $rc $out"
out=$($img build --dry-run --lib "$tmp/libnew.so" --context "$tmp/ctxnew" ubi9/python-311 2>&1); rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'refusing to build' && [ ! -d "$tmp/ctxnew/ctx0" ] && ok "build refuses it" || bad "build with a 2.36 library: $rc $out"
out=$($img check-libs "$tmp/new.c" 2>&1); [ $? = 1 ] || bad "a C file passed check-libs"

# the builder stage's script, run here on a prebuilt library: it refuses the
# GLIBC_2.36 one and collects the real one with libunwind.so.8
stage_run() {  # LIB DIR -> runs build-lib.sh on a context holding LIB as the prebuilt library
    mkdir -p "$2/src/prebuilt" "$2/src/scripts"
    cp scripts/ccxtrace-image "$2/src/scripts/" && cp "$1" "$2/src/prebuilt/libccxtrace.so"
    sh scripts/container/build-lib.sh "$2/src" "$2/out" >"$2/log" 2>&1
}
stage_run "$tmp/libnew.so" "$tmp/stage-new"; rc=$?
[ $rc = 1 ] && grep -q 'refusing' "$tmp/stage-new/log" && [ ! -e "$tmp/stage-new/out/lib/libccxtrace.so" ] \
    && ok "the builder stage refuses the GLIBC_2.36 library" || bad "build-lib.sh on a 2.36 library: $rc $(cat "$tmp/stage-new/log")"
stage_run "$lib" "$tmp/stage-ok"; rc=$?
[ $rc = 0 ] && [ "$(ls "$tmp/stage-ok/out/lib" | tr '\n' ' ')" = "libccxtrace.so libunwind.so.8 " ] \
    && [ "$(grep -c ' ok$' "$tmp/stage-ok/out/glibc-check.txt")" = 2 ] && cmp -s "$tmp/stage-ok/out/lib/libccxtrace.so" "$lib" \
    && ok "the builder stage collects libccxtrace.so and libunwind.so.8 with its check report" \
    || bad "build-lib.sh: $rc $(ls "$tmp/stage-ok/out/lib" 2>&1) $(cat "$tmp/stage-ok/log")"

# ---- build contexts and the compose override (dry run) ---------------------------
five="rules-uploader archive-sync archive-sync-ols multiplexor rules-processing"
pairs=()
for s in $five; do pairs+=("$s=quay.io/cloudservices/ccx-messaging:2024.1"); done
pairs[4]="rules-processing=localhost/rules-processing"
out=$($img compose --dry-run --lib "$lib" --sample 64k --stats-interval 5s --context "$tmp/ctx" \
      -o "$tmp/compose.ccxtrace.yml" --snapshot-dir "$tmp/snaps" "${pairs[@]}" 2>&1) || bad "compose: $out"
ov=$tmp/compose.ccxtrace.yml
for s in $five; do
    grep -A4 "^  $s:\$" "$ov" | grep -q "^      - $tmp/snaps:/var/lib/ccxtrace:z\$" || bad "$s: no snapshot volume"
done
grep -A1 '^  archive-sync:$' "$ov" | grep -q '^    image: quay.io/cloudservices/ccx-messaging:2024.1-ccxtrace$' || bad "archive-sync image"
grep -A1 '^  rules-processing:$' "$ov" | grep -q '^    image: localhost/rules-processing:latest-ccxtrace$' || bad "rules-processing image"
[ "$(grep -c '^  [a-z-]*:$' "$ov")" = 5 ] && ok "override: five services, traced images, shared volume" || bad "override: $(cat "$ov")"
[ -d "$tmp/snaps" ] || bad "snapshot dir not created"
if /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert len(d["services"]) == 5' "$ov" && ok "override parses as YAML" || bad "YAML"
fi
grep -q "ccx-driver upload .*--trigger-file $tmp/snaps/trigger" "$ov" || bad "override does not say how to trigger"
grep -A8 '^  archive-sync:$' "$ov" | grep -q '^      CCXTRACE_FILE_MODE: "0644"$' && ok "override: files mode 0644 for the host user" || bad "override: no CCXTRACE_FILE_MODE 0644"
for i in 0 4; do
    c=$tmp/ctx/ctx$i
    cmp -s "$c/Containerfile" scripts/container/Containerfile.ccxtrace || bad "ctx$i: Containerfile differs from the fragment"
    cmp -s "$c/src/prebuilt/libccxtrace.so" "$lib" || bad "ctx$i: the prebuilt libccxtrace.so (--lib) differs"
    for f in Makefile preload/control/ccx_init.c common/ccx_units.c scripts/check-deps.sh scripts/ccxtrace-image scripts/container/build-lib.sh; do
        cmp -s "$c/src/$f" "$f" || bad "ctx$i: src/$f is not the checkout's"
    done
    bc=$(cat "$c/build-command")
    case $bc in *"--build-arg CCXTRACE_SAMPLE=64k"*"--build-arg CCXTRACE_STATS_INTERVAL=5s"*) ;; *) bad "ctx$i build args: $bc" ;; esac
    case $bc in *"--build-arg BUILDER_IMAGE=docker.io/library/debian:bookworm "*) ;; *) bad "ctx$i builder: $bc" ;; esac
done
grep -q -- '--build-arg BASE_IMAGE=localhost/rules-processing .*-t localhost/rules-processing:latest-ccxtrace ' "$tmp/ctx/ctx4/build-command" || bad "ctx4 command: $(cat "$tmp/ctx/ctx4/build-command")"
ok "build contexts: fragment, sources, prebuilt library, build arguments"
# without --lib the builder stage compiles: no prebuilt library in the context
$img build --dry-run --builder localhost/my-builder:1 --interval 30m --holders-types Broker,traceback --file-mode 0660 \
    --context "$tmp/ctxb" localhost/svc >/dev/null 2>&1 || bad "build --dry-run without --lib"
[ ! -e "$tmp/ctxb/ctx0/src/prebuilt" ] && [ -f "$tmp/ctxb/ctx0/src/preload/control/ccx_init.c" ] && ok "without --lib: sources only" || bad "ctxb: $(ls -R "$tmp/ctxb" | head)"
bc=$(tr -d '\\' <"$tmp/ctxb/ctx0/build-command")   # printf %q escapes the comma
for a in BUILDER_IMAGE=localhost/my-builder:1 CCXTRACE_INTERVAL=30m CCXTRACE_HOLDERS_TYPES=Broker,traceback CCXTRACE_FILE_MODE=0660; do
    case $bc in *"--build-arg $a "*) ;; *) bad "build command lacks $a: $bc" ;; esac
done
# the fragment: a builder stage, then ends as the service user, preloads, sets the volume
frag=scripts/container/Containerfile.ccxtrace
[ "$(grep -E '^(USER|FROM|VOLUME)' "$frag" | tr '\n' '|')" = 'FROM ${BUILDER_IMAGE} AS builder|USER 0|FROM ${BASE_IMAGE}|USER 0|VOLUME /var/lib/ccxtrace|USER ${SERVICE_USER}|' ] || bad "fragment structure"
grep -q '^ARG SERVICE_USER=1001$' "$frag" || bad "service user not 1001"
# usage errors
for a in "build" "compose rules-processing" "bogus" "build --sample '' x" "build --tag t a b" "build --file-mode 999 x" \
         "build --file-mode rw x" "build --file-mode 0755 x" "build --file-mode 0400 x" "compose --host-mode 08 a=b" "build --holders-types 'A B' x" "build --interval '30 m' x" "build --builder 'a b' x"; do
    eval "out=\$($img $a --lib \"$lib\" --dry-run 2>&1)"; rc=$?
    [ $rc = 2 ] || bad "'$a': exit $rc: $out"
done
ok "usage errors exit 2"

# ---- the same environment, in the image and locally --------------------------------
# (a sanitizer build of the tracer still runs locally: use it here)
if [ -f "$build/lib/libccxtrace.so" ]; then lib=$build/lib/libccxtrace.so; real=1; fi
ienv=$($img env --sample 64k)
lenv=$($img env --local --sample 64k --lib "$lib" --snapshot-dir "$tmp/local-snaps")
ienv_py=$($img env --sample 64k --only python)
lenv_py=$($img env --local --sample 64k --only python --lib "$lib" --snapshot-dir "$tmp/local-snaps")
echo "$ienv" | grep -q '^CCXTRACE_ONLY=ccx-messaging$' && echo "$ienv" | grep -q '^CCXTRACE_FILE_MODE=0640$' && echo "$ienv" | grep -q '^LD_PRELOAD=/opt/ccxtrace/lib/libccxtrace.so$' \
    && echo "$ienv" | grep -q '^CCXTRACE_SAMPLE=64k$' && echo "$ienv" | grep -q '^CCXTRACE_TRIGGER=/var/lib/ccxtrace/trigger$' \
    || bad "image env: $ienv"
mapped=$(echo "$ienv" | sed "s#/opt/ccxtrace/lib/libccxtrace.so#$lib#; s#/var/lib/ccxtrace#$tmp/local-snaps#")
mapped_py=$(echo "$ienv_py" | sed "s#/opt/ccxtrace/lib/libccxtrace.so#$lib#; s#/var/lib/ccxtrace#$tmp/local-snaps#")
[ "$mapped_py" = "$lenv_py" ] || bad "env --only python differs: $lenv_py"
[ "$mapped" = "$lenv" ] && ok "local env = image env with the paths mapped ($(echo "$lenv" | wc -l) variables)" || bad "env differs: $lenv"
if [ $real = 1 ]; then
    # a local process under exactly that environment (--only python: the
    # script here is python3 -c, not a console script)
    # shellcheck disable=SC2046
    env $(echo "$lenv_py") /usr/bin/python3 -c '
import subprocess, sys, time, os
p1 = subprocess.run(["tar", "--version"], stdout=subprocess.DEVNULL)
p2 = subprocess.Popen(["gzip", "--version"], stdout=subprocess.DEVNULL); p2.wait()
print("children", p2.pid)
data = [bytearray(4096) for _ in range(20000)]
with open(os.environ["CCXTRACE_TRIGGER"], "w") as f: f.write("1\n")
t = time.time()
while time.time() - t < 10 and not [n for n in os.listdir(os.environ["CCXTRACE_DIR"]) if n.endswith(".json") and ".%d." % os.getpid() in n]:
    time.sleep(0.1)
print("self", os.getpid())
' >"$tmp/local.out" 2>&1
    self=$(awk '$1 == "self" { print $2 }' "$tmp/local.out")
    child=$(awk '$1 == "children" { print $2 }' "$tmp/local.out")
    snaps=$(ls "$tmp/local-snaps" | grep -c "^ccxtrace\..*\.$self\..*\.json$")
    [ "$snaps" -ge 1 ] && ok "local process traced: $snaps snapshots (trigger file, exit)" || bad "no snapshot of the local process: $(ls "$tmp/local-snaps") $(cat "$tmp/local.out")"
    ls "$tmp/local-snaps" | grep -q "\.$child\." && bad "the gzip child was traced" || ok "children (tar, gzip) not traced (CCXTRACE_ONLY=python)"
    ls "$tmp/local-snaps" | grep "^ccxtrace\." | grep -v "\.$self\." | grep -q . && bad "other processes wrote files: $(ls "$tmp/local-snaps")"
else
    echo "note: running a local process under that environment waits for libccxtrace.so"
fi
exit $fail
