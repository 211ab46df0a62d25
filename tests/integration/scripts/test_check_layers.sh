#!/usr/bin/env bash
# test_check_layers.sh - scripts/check-layers (docs/design.md, "Layers"):
# preload/ keeps its layer rules and has no circle between files, analyzer/
# and driver/ have no circle and no prototype in a .c file; and the checker itself finds what it is for, on a scratch
# copy of preload/ with one fault planted at a time: an include against
# the rule (core including control's header), a circle between two files,
# a py_ name outside python/, a prototype in a .c file.
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
tmp=${CCX_TMP:-$(mktemp -d)}
check=$root/scripts/check-layers
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

out=$("$check" preload 2>&1) && ok "preload: $out" || bad "preload: $out"
out=$("$check" --circles-only analyzer driver 2>&1) && ok "analyzer, driver: $out" || bad "analyzer, driver: $out"

# One planted fault per copy; the checker must fail and name it.
plant() {   # plant NAME EXPECTED-TEXT FILE LINE-TO-APPEND
    local name=$1 want=$2 file=$3 line=$4
    rm -rf "$tmp/copy" && mkdir -p "$tmp/copy" && cp -r "$root/preload" "$root/common" "$tmp/copy/"
    printf '%s\n' "$line" >>"$tmp/copy/preload/$file"
    local got rc
    got=$(CCX_ROOT=$tmp/copy "$check" preload 2>&1)
    rc=$?
    if [ $rc = 1 ] && grep -q -- "$want" <<<"$got"; then
        ok "$name: found ($(grep -- "$want" <<<"$got" | head -n 1))"
    else
        bad "$name: exit $rc, expected a line with '$want'; got: $got"
    fi
}
plant "include against the rule" 'core/ccx_record.c: includes preload/control/ccx_control.h' \
    core/ccx_record.c '#include "ccx_control.h"'
plant "a circle" 'a circle of 2 files: base/ccx_options.c, base/ccx_text.c' \
    base/ccx_text.c 'const void *ccx_text_uses_options(void); const void *ccx_text_uses_options(void) { return ccx_opts(); }'
plant "a Python name outside python/" 'output/ccx_stats.c: names py_census_write' \
    output/ccx_stats.c 'static void (*const use_py)(void *) = (void (*)(void *))py_census_write;'
plant "a prototype in a .c file" 'a prototype of ccx_stats_line at file scope' \
    control/ccx_term.c 'void ccx_stats_line(void);'
plant "a name from a layer above" 'names ccx_helper_request, defined in preload/control/ccx_helper.c' \
    output/ccx_seq.c 'static long (*const up)(const char *) = ccx_helper_request;'
exit $fail
