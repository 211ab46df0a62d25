#!/usr/bin/env bash
# test_py_early_arenas.sh - pymalloc arenas that the mmap layer recorded
# before the PyMem hooks were installed leave the snapshot once their
# objects are freed through the hooks.  embed_early.c makes the order
# certain (it allocates 60 MB of 100-byte blocks from C holding the GIL,
# so the helper cannot install the hooks until it is done); it is built
# against each CPython of tests/lib/pythons.sh that has its headers and a
# shared libpython, and run under libccxtrace.so.  Checks, from the
# snapshots "alive" and "freed": the mmap layer held at least 80% of the
# blocks' bytes while they were alive (they were allocated before the
# hooks) and dropped by at least 80% of them once they were freed.
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
here=$root/tests/integration/python
fail=0 checked=0
while read -r label py; do
    read -r inc libdir ver < <("$py" -c 'import sys, sysconfig as s
print(s.get_paths()["include"], s.get_config_var("LIBDIR"), "%d.%d" % sys.version_info[:2])')
    if [ ! -f "$inc/Python.h" ] || [ ! -f "$libdir/libpython$ver.so" ]; then
        echo "skip $label: no Python.h in $inc or no $libdir/libpython$ver.so to embed"
        continue
    fi
    exe=$tmp/embed_early_$label
    if ! gcc -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -I"$inc" -o "$exe" "$here/embed_early.c" \
        -L"$libdir" -lpython"$ver" -Wl,-rpath,"$libdir" 2>"$tmp/cc.log"; then
        echo "FAIL $label: embed_early.c does not build against $inc:"
        head -20 "$tmp/cc.log"
        fail=1
        continue
    fi
    dir=$tmp/$label
    mkdir -p "$dir"
    # PYTHONHOME: the embedded interpreter finds its own standard library.
    out=$(cd "$dir" && env CCXTRACE_DIR="$dir" PYTHONHOME="$("$py" -c 'import sys; print(sys.base_prefix)')" \
        LD_PRELOAD="$lib" timeout -k 5 120 "$exe" 2>&1)
    rc=$?
    if [ $rc = 3 ]; then
        echo "skip $label: the hooks were installed before the blocks (nothing to check): $out"
        continue
    fi
    if [ $rc != 0 ]; then
        echo "FAIL $label: embed_early exited $rc:"
        echo "$out" | tail -n 20
        fail=1
        continue
    fi
    bytes=$(echo "$out" | sed -n 's/^blocks [0-9]* bytes \([0-9]*\)$/\1/p')
    if env -u LD_PRELOAD python3 - "$dir" "$bytes" "$label" <<'EOF'
import glob, json, sys
d, truth, label = sys.argv[1], int(sys.argv[2]), sys.argv[3]
snaps = {}
for path in glob.glob(d + "/ccxtrace.*.json"):
    with open(path) as fh:
        s = json.load(fh)
    if s.get("label") in ("alive", "freed"):
        snaps[s["label"]] = s
if set(snaps) != {"alive", "freed"}:
    print("FAIL %s: snapshots alive and freed not both found (%s)" % (label, sorted(snaps)))
    sys.exit(1)
mm = {k: sum(x["live_bytes"] for x in s["sites"] if x["layer"] == "mmap") for k, s in snaps.items()}
drop = mm["alive"] - mm["freed"]
print("%s: mmap layer %d bytes with the early blocks alive, %d once freed (drop %d; the blocks: %d bytes)"
      % (label, mm["alive"], mm["freed"], drop, truth))
ok = True
if mm["alive"] < 0.8 * truth:
    print("FAIL %s: the early blocks' arenas were not recorded by the mmap layer" % label)
    ok = False
if drop < 0.8 * truth:
    print("FAIL %s: arenas freed after the hooks were installed are still reported" % label)
    ok = False
sys.exit(0 if ok else 1)
EOF
    then
        checked=$((checked + 1))
    else
        fail=1
    fi
done < <("$root/tests/lib/pythons.sh")
"$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
if [ $checked = 0 ] && [ $fail = 0 ]; then
    echo "no CPython with headers and a shared libpython found"
    exit 77
fi
exit $fail
