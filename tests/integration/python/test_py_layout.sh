#!/usr/bin/env bash
# test_py_layout.sh - the Python layer's offset tables (preload/python/py_layout.c
# and py_layout.h: the frame walker's, the census's and its walk over the
# gc's lists, the holders search's) against ground truth: for every CPython
# of tests/lib/pythons.sh, compile layout_check.c against that interpreter's
# own installed headers (internal ones included) and compare each offset
# the layer uses with offsetof();
# for 3.13, also against the _Py_DebugOffsets of the running libpython; and
# the deep census's table (dict keys, str and int sizes) on live objects.
# A version whose headers are missing is skipped with the reason printed.
set -u
root=${CCX_ROOT:-$(cd "$(dirname "$0")/../../.." && pwd)}
tmp=${CCX_TMP:-$(mktemp -d)}
here=$root/tests/integration/python
fail=0 checked=0
while read -r label py; do
    inc=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["include"])' 2>/dev/null)
    if [ ! -f "$inc/Python.h" ] || [ ! -d "$inc/internal" ]; then
        echo "skip $label: no headers at $inc"
        continue
    fi
    extra=() run_env=()
    libdir=$("$py" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR"))')
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    # Linked with the interpreter's libpython when there is one: the deep
    # census's dict keys are then checked on live objects (and 3.13's
    # _Py_DebugOffsets in the running library).
    if [ -f "$libdir/libpython$ver.so" ]; then
        extra=(-DCHECK_RUNTIME -L"$libdir" -lpython"$ver")
        [ "$ver" = 3.13 ] && extra+=(-DCHECK_DEBUG_OFFSETS)
        run_env=(LD_LIBRARY_PATH="$libdir" PYTHONHOME="$("$py" -c 'import sys; print(sys.prefix)')")
    fi
    exe=$tmp/layout_check_$label
    if ! gcc -std=gnu11 -D_GNU_SOURCE -I"$inc" -I"$inc/internal" -I"$root/preload/python" -I"$root/preload/base" -I"$root/preload/iface" -I"$root/common" \
        -o "$exe" "$here/layout_check.c" "$root/preload/python/py_layout.c" "${extra[@]}" 2>"$tmp/cc.log"; then
        echo "FAIL $label: layout_check.c does not compile against $inc:"
        head -20 "$tmp/cc.log"
        fail=1
        continue
    fi
    out=$(env "${run_env[@]}" "$exe")
    rc=$?
    echo "$label: $out"
    [ $rc = 0 ] || fail=1
    checked=$((checked + 1))
done < <("$root/tests/lib/pythons.sh")
"$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
if [ $checked = 0 ] && [ $fail = 0 ]; then
    echo "no CPython with headers found"
    exit 77
fi
exit $fail
