# lib.sh - shared by the preload's integration tests (sourced).
# Sets LIB (libccxtrace.so), UBSAN_LIB, PY (a python3 for the checks), CHECK
# (snapcheck.py); build_prog NAME [flags...] compiles progs/NAME.c into
# $CCX_TMP/NAME; fail MSG prints and exits 1.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CCX_ROOT=${CCX_ROOT:-$(cd "$here/../../.." && pwd)}
CCX_BUILD=${CCX_BUILD:-$CCX_ROOT/build}
CCX_TMP=${CCX_TMP:-$(mktemp -d)}
LIB=$CCX_BUILD/lib/libccxtrace.so
UBSAN_LIB=$CCX_BUILD/lib/libccxtrace-ubsan.so
PY=/usr/bin/python3
CHECK="$PY $here/snapcheck.py"
[ -f "$LIB" ] || { echo "no $LIB: build it first (make BUILD=$CCX_BUILD libs)"; exit 1; }
[ -x "$PY" ] || { echo "no /usr/bin/python3 for the checks (scripts/install-deps.sh)"; exit 77; }

fail() { echo "FAIL: $*"; exit 1; }

build_prog() {
    local name=$1; shift
    local src=$here/progs/$name.c cc=gcc
    [ -f "$src" ] || { src=$here/progs/$name.cc; cc=g++; }
    $cc -D_GNU_SOURCE -O1 -g -fno-omit-frame-pointer -fno-inline -Wall -o "$CCX_TMP/$name" "$src" "$@" -lpthread ||
        fail "cannot compile $src"
}

# snapshots DIR: the snapshot files in DIR, oldest sequence first.
snapshots() {
    ls "$1"/ccxtrace.*.json 2>/dev/null | awk -F. '{ print $(NF-1) " " $0 }' | sort -n | cut -d' ' -f2-
}
