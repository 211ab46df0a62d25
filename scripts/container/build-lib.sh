#!/bin/sh
# build-lib.sh - runs inside the builder stage of Containerfile.ccxtrace:
# compiles libccxtrace.so from the sources in the build context (or takes
# the prebuilt one scripts/ccxtrace-image --lib put there), checks that it
# and the libraries it loads need no glibc symbol version above GLIBC_2.34,
# and copies them into OUTDIR/lib for the final stage, with the check's
# report in OUTDIR/glibc-check.txt (the image keeps it in /opt/ccxtrace).
# With "hook" (Containerfile.lib, the library image) it also builds the
# static ccxtrace-hook (scripts/k8s/ccxtrace_hook.c) into OUTDIR/lib and
# refuses one that is dynamically linked.
#
#   build-lib.sh SRCDIR OUTDIR [hook]
#
# The builder image needs gcc, make, the libc and libunwind headers, bash
# and binutils; on a Debian-based builder missing ones are installed with
# apt-get (Debian 12 is the reference builder).  Exit status: 0 done, 1 a
# step failed (the message names it).
set -eu
src=$1 out=$2 hook=${3:-}
say() { echo "ccxtrace-build: $*" >&2; }

have_tools() {
    for t in bash make objdump readelf ldconfig; do command -v "$t" >/dev/null 2>&1 || return 1; done
    [ -f "$src/prebuilt/libccxtrace.so" ] && return 0
    command -v gcc >/dev/null 2>&1 \
        && printf '#include <libunwind.h>\n#include <link.h>\n' | gcc -E -o /dev/null - 2>/dev/null
}

if ! have_tools; then
    command -v apt-get >/dev/null 2>&1 || { say "the builder image lacks gcc, make, binutils or libunwind headers and has no apt-get"; exit 1; }
    say "installing the build dependencies with apt-get"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        bash gcc make libc6-dev libunwind-dev binutils >/dev/null
fi

cd "$src"
if [ -f prebuilt/libccxtrace.so ]; then
    lib=$src/prebuilt/libccxtrace.so
    say "using the prebuilt library (--lib)"
else
    make --no-print-directory -j2 BUILD=/tmp/ccxtrace-build /tmp/ccxtrace-build/lib/libccxtrace.so >&2
    lib=/tmp/ccxtrace-build/lib/libccxtrace.so
fi
files=$(bash scripts/ccxtrace-image libs --lib "$lib")
mkdir -p "$out/lib"
# shellcheck disable=SC2086
bash scripts/ccxtrace-image check-libs $files >"$out/glibc-check.txt" \
    || { cat "$out/glibc-check.txt" >&2; say "refusing: a library needs a glibc newer than UBI 9's 2.34"; exit 1; }
cat "$out/glibc-check.txt" >&2
first=1
for f in $files; do   # the tracer lands as libccxtrace.so, the others by soname
    if [ $first = 1 ]; then cp -L "$f" "$out/lib/libccxtrace.so"; first=0; else cp -L "$f" "$out/lib/$(basename "$f")"; fi
done
if [ "$hook" = hook ]; then
    make --no-print-directory BUILD=/tmp/ccxtrace-build /tmp/ccxtrace-build/bin/ccxtrace-hook >&2
    if readelf -l /tmp/ccxtrace-build/bin/ccxtrace-hook | grep -q INTERP; then
        say "refusing: ccxtrace-hook is dynamically linked (it must run in images without our libc)"; exit 1
    fi
    cp /tmp/ccxtrace-build/bin/ccxtrace-hook "$out/lib/ccxtrace-hook"
    echo "ccxtrace-hook static ok" >>"$out/glibc-check.txt"
fi
chmod 0755 "$out"/lib/*
say "libraries: $(cd "$out/lib" && echo *)"
