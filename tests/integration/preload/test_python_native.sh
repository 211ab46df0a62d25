#!/usr/bin/env bash
# test_python_native.sh - every CPython present (tests/lib/pythons.sh), with
# PYTHONMALLOC=malloc, keeps 40,000 bytearrays of 1000 bytes between two
# snapshots taken through ctypes.  The growth between them (all sites,
# sampled at 64 KiB: standard error about 4%) is 0.8-1.3x what the script
# allocated, and at least 80% of it sits on stacks with native frames
# symbolized inside the interpreter (python binary or libpython).
source "$(dirname "$0")/lib.sh"
pys=$(bash "$CCX_ROOT/tests/lib/pythons.sh")
bash "$CCX_ROOT/tests/lib/pythons.sh" --missing | sed 's/^/skipped: /'
[ -n "$pys" ] || { echo "no CPython found"; exit 77; }
n=40000
expect=$((n * 1000))
while read -r label py; do
    d=$CCX_TMP/$label
    mkdir -p "$d"
    out=$(PYTHONMALLOC=malloc CCXTRACE_SAMPLE=64k CCXTRACE_DIR=$d LD_PRELOAD=$LIB "$py" \
          "$here/progs/pyleak.py" "$d" $n 2>"$CCX_TMP/err") || fail "$label: script failed: $(cat "$CCX_TMP/err")"
    [ -s "$CCX_TMP/err" ] && fail "$label: stderr: $(cat "$CCX_TMP/err")"
    read -r a b kept <<<"$out"
    [ "$kept" = $n ] || fail "$label: unexpected output $out"
    before=$(ls "$d"/*."$a".json) after=$(ls "$d"/*."$b".json)
    $CHECK valid "$before" "$after" >/dev/null || fail "$label: invalid snapshot"
    res=$($PY - "$before" "$after" "$expect" <<'PYEOF'
import json, os, sys
def load(p):
    d = json.load(open(p))
    frames = d["frames"]; mods = {m["id"]: os.path.basename(m["path"]) for m in d["modules"]}
    stacks = {s["id"]: s["frames"] for s in d["stacks"]}
    out = {}
    for s in d["sites"]:
        fs = [frames[i] for i in stacks[s["stack"]]]
        key = (s["layer"], tuple((f.get("module"), f.get("symbol"), f.get("file"), f.get("function"), f.get("line")) for f in fs))
        interp = any(f["kind"] == "native" and f.get("symbol") and
                     (mods.get(f["module"], "").startswith("python") or mods.get(f["module"], "").startswith("libpython"))
                     for f in fs)
        v = out.setdefault(key, [0, interp])
        v[0] += s["live_bytes"]
    return out
old, new = load(sys.argv[1]), load(sys.argv[2])
grow = {k: new[k][0] - old.get(k, [0])[0] for k in new}
total = sum(grow.values())
interp = sum(g for k, g in grow.items() if new[k][1] and g > 0)
pos = sum(g for g in grow.values() if g > 0)
exp = int(sys.argv[3])
print("%d %.3f %.3f" % (total, total / exp, interp / pos if pos else 0))
PYEOF
)
    read -r total ratio share <<<"$res"
    echo "$label: growth $total bytes = ${ratio}x of $expect; ${share} of it on stacks with interpreter frames"
    $PY -c "import sys; sys.exit(not (0.8 <= $ratio <= 1.3 and $share >= 0.8))" || fail "$label: growth not shown"
done <<<"$pys"
echo "ok"
