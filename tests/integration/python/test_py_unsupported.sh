#!/usr/bin/env bash
# test_py_unsupported.sh - an interpreter the frame walker has no layout for
# (pyenv's 3.8, when installed) still runs unchanged under libccxtrace.so:
# same output and exit status, exactly one "ccxtrace: python:" warning
# naming the version, PyMem hooks and census still there, stacks native
# only.  Python 2.7 (when installed): one warning, the layer stays off.
# And every supported CPython given a deliberately wrong frame layout
# (CCXTRACE_PY_TEST_SKEW, test only): the start-up check refuses it with
# one warning, no crash, same output, native-only stacks.
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
proot=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
py38=$(ls -d "$proot"/versions/3.8.*/bin/python3.8 2>/dev/null | sort -V | tail -n 1)
py27=$(ls -d "$proot"/versions/2.7.*/bin/python2.7 2>/dev/null | sort -V | tail -n 1)
cases=()
[ -n "$py38" ] && cases+=("$py38:")
[ -n "$py27" ] && cases+=("$py27:")
while read -r label py; do
    cases+=("$py:8" "$py:-8")
done < <("$root/tests/lib/pythons.sh")
prog='import sys, time
keep = ["x%d" % i * 20 for i in range(100000)]
time.sleep(1.3)
keep += ["y%d" % i * 20 for i in range(100000)]
print("done", len(keep))
sys.exit(3)'
fail=0
[ ${#cases[@]} -gt 0 ] || { echo "no interpreter to run"; exit 77; }
n=0
declare -A want_of rc_of
for c in "${cases[@]}"; do
    py=${c%:*} skew=${c##*:}
    n=$((n + 1))
    d=$tmp/case$n
    mkdir -p "$d"
    if [ -z "${want_of[$py]:-}" ]; then   # untraced, once per interpreter
        want_of[$py]=$("$py" -c "$prog" 2>&1)
        rc_of[$py]=$?
    fi
    want=${want_of[$py]} want_rc=${rc_of[$py]}
    got=$(cd "$d" && CCXTRACE_PY_TEST_SKEW=$skew CCXTRACE_DIR=$d LD_PRELOAD=$lib "$py" -c "$prog" 2>"$d/stderr")
    rc=$?
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    warn=$(grep -c '^ccxtrace: python:' "$d/stderr")
    echo "$ver${skew:+ (layout skewed by $skew)}: exit $rc (untraced $want_rc), stdout '$got', stderr: $(cat "$d/stderr")"
    if [ -n "$skew" ] && ! grep -q "frame layout check failed" "$d/stderr"; then
        echo "FAIL $ver: the skewed layout was not refused"
        fail=1
        continue
    fi
    if [ "$got" != "$want" ] || [ $rc != $want_rc ] || [ "$warn" != 1 ] || ! grep -q "Python $ver" "$d/stderr"; then
        echo "FAIL $ver: output, exit status or warning differ"
        fail=1
        continue
    fi
    python3 - "$d" "$ver" <<'PYEOF' || fail=1
import glob, json, sys
d, ver = sys.argv[1], sys.argv[2]
snaps = [json.load(open(f)) for f in glob.glob(d + "/ccxtrace.*.json")]
exits = [s for s in snaps if s["reason"] == "exit"]
if len(exits) != 1:
    sys.exit("FAIL %s: %d exit snapshots" % (ver, len(exits)))
s = exits[0]
frames = s["frames"]
if any(f["kind"] == "python" for f in frames):
    sys.exit("FAIL %s: Python frames without a known layout" % ver)
py = s["python"]
layers = {x["layer"] for x in s["sites"]}
if ver.startswith("3."):
    if not py or not py.get("types") or not py["version"].startswith(ver) or "python" not in layers:
        sys.exit("FAIL %s: expected the PyMem hooks and the census (python %s, layers %s)" % (ver, py and py.get("version"), layers))
elif py is not None or "python" in layers:
    sys.exit("FAIL %s: the Python layer should be off" % ver)
print("ok %s: layers %s, python section %s" % (ver, sorted(layers), "with census" if py else "null"))
PYEOF
done
exit $fail
