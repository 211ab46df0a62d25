#!/usr/bin/env bash
# test_valgrind_units.sh - the preload's unit-tested internals (the
# tests/unit/preload programs, built here without sanitizers) run clean
# under valgrind memcheck: no invalid access, no uninitialised use.
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
srcs="preload/base/ccx_options.c preload/base/ccx_text.c preload/base/ccx_diag.c preload/base/ccx_only.c preload/output/ccx_stale.c preload/base/ccx_pressure.c preload/base/ccx_cgroup.c preload/output/ccx_thin.c preload/core/ccx_sample.c preload/base/ccx_mem.c preload/core/ccx_addrmap.c preload/core/ccx_stacks.c preload/base/ccx_json.c common/ccx_units.c common/ccx_signal.c"
cd "$CCX_ROOT"
for t in tests/unit/preload/test_*.c; do
    name=$(basename "$t" .c)
    gcc -std=gnu11 -g -O1 -D_GNU_SOURCE -Icommon -Ipreload/base -Ipreload/iface -Ipreload/core -Ipreload/output -Itests/unit -o "$CCX_TMP/$name" "$t" $srcs -lpthread -lm ||
        fail "cannot compile $t"
    valgrind -q --error-exitcode=9 --track-origins=yes "$CCX_TMP/$name" >"$CCX_TMP/$name.log" 2>&1
    st=$?
    [ $st = 0 ] || { cat "$CCX_TMP/$name.log"; fail "$name under valgrind: exit $st"; }
    echo "$name: clean under valgrind ($(tail -n 1 "$CCX_TMP/$name.log"))"
done
