#!/usr/bin/env bash
# test_valgrind_units.sh - the preload's unit-tested internals (the
# tests/unit/preload programs, built here without sanitizers) run clean
# under valgrind memcheck: no invalid access, no uninitialised use.
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "valgrind not installed"; exit 77; }
cd "$CCX_ROOT"
# the unit tests' sources, as preload/build.mk lists them
srcs=$(make -s --no-print-directory print-PRELOAD_UNIT_SRC)
[ -n "$srcs" ] || fail "make print-PRELOAD_UNIT_SRC printed nothing"
for t in tests/unit/preload/test_*.c; do
    name=$(basename "$t" .c)
    gcc -std=gnu11 -g -O1 -D_GNU_SOURCE -Icommon -Ipreload/base -Ipreload/iface -Ipreload/core -Ipreload/output -Itests/unit -o "$CCX_TMP/$name" "$t" $srcs -lpthread -lm ||
        fail "cannot compile $t"
    valgrind -q --error-exitcode=9 --track-origins=yes "$CCX_TMP/$name" >"$CCX_TMP/$name.log" 2>&1
    st=$?
    [ $st = 0 ] || { cat "$CCX_TMP/$name.log"; fail "$name under valgrind: exit $st"; }
    echo "$name: clean under valgrind ($(tail -n 1 "$CCX_TMP/$name.log"))"
done
