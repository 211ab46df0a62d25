#!/usr/bin/env bash
# test_dlopen_exec.sh - a library loaded with dlopen is traced and its
# frames name it (module path, symbol); a child exec'd through system()
# runs normally under the inherited LD_PRELOAD and writes its own snapshot
# under its own pid; the program's output is the same as untraced.
source "$(dirname "$0")/lib.sh"
gcc -O1 -g -fPIC -shared -fno-inline -o "$CCX_TMP/plugin.so" "$here/progs/plugin.c" || fail "cannot build plugin.so"
build_prog dlopen -ldl
"$CCX_TMP/dlopen" "$CCX_TMP/plugin.so" >"$CCX_TMP/plain" 2>&1 || fail "untraced run failed"
d=$CCX_TMP/snaps
mkdir -p "$d"
CCXTRACE_DIR=$d CCXTRACE_SAMPLE=all LD_PRELOAD=$LIB "$CCX_TMP/dlopen" "$CCX_TMP/plugin.so" >"$CCX_TMP/traced" 2>&1 ||
    fail "traced run failed: $(cat "$CCX_TMP/traced")"
diff "$CCX_TMP/plain" "$CCX_TMP/traced" || fail "output changed under the tracer"
cat "$CCX_TMP/traced"
mine=
for f in "$d"/*.json; do
    $CHECK valid "$f" >/dev/null || fail "invalid $f"
    case $($CHECK field "$f" exe) in */dlopen) mine=$f ;; esac
done
[ -n "$mine" ] || fail "no snapshot from dlopen.c"
[ "$(ls "$d"/*.json | wc -l)" -ge 2 ] || fail "the exec'd shell wrote no snapshot of its own"
read -r lb lk rest <<<"$($CHECK site "$mine" plugin_leak)"
[ "$lb" = 102400 ] && [ "$lk" = 200 ] || fail "plugin_leak: $lb bytes in $lk blocks, want 102400 in 200"
$CHECK frames "$mine" | grep -qx "plugin.so plugin_leak" || fail "plugin_leak not attributed to plugin.so"
echo "ok: dlopen'd library traced and named; exec'd child traced separately"
