#!/usr/bin/env bash
# bench_snapshot_memory.sh - the tracer's extra peak memory while it writes
# a snapshot (issue 16's benchmark, make bench): SITES generated lines that
# each keep a block ("all" mode, so every line is a site; the import and
# the interpreter add their own), OBJECTS empty lists for the census, three
# snapshots in a row (the 2nd and 3rd with the holders search), then the
# same under memory pressure (CCXTRACE_PRESSURE=1MiB compared with RSS:
# the holders search skipped).  Extra peak = VmHWM during the write - VmRSS
# before (snapmem.py).  Defaults 100,000 and 1,000,000: about 8 minutes per
# run on the 2-core VM (importing 100,000 lines in "all" mode is most of it).
# Prints lines; never fails on a number.
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
build=${CCX_BUILD:-$root/build}
tmp=${CCX_TMP:-$(mktemp -d)}
lib=$build/lib/libccxtrace.so
sites=${SITES:-100000} objects=${OBJECTS:-1000000}
py=/usr/bin/python3
[ -f "$lib" ] || { echo "no $lib"; exit 1; }
mkdir -p "$tmp/mod" "$tmp/a" "$tmp/b"
$py "$root/tests/bench/preload/snapmem.py" gen "$tmp/mod" "$sites" || exit 1
echo "$sites generated sites, $objects lists:"
CCXTRACE_SAMPLE=all CCXTRACE_AT_EXIT=0 CCXTRACE_DIR=$tmp/a LD_PRELOAD=$lib \
    $py "$root/tests/bench/preload/snapmem.py" "$tmp/a" "$tmp/mod" "$objects" 3 || exit 1
echo "under memory pressure (holders skipped):"
CCXTRACE_SAMPLE=all CCXTRACE_AT_EXIT=0 CCXTRACE_PRESSURE=1MiB CCXTRACE_DIR=$tmp/b LD_PRELOAD=$lib \
    $py "$root/tests/bench/preload/snapmem.py" "$tmp/b" "$tmp/mod" "$objects" 2 || exit 1
