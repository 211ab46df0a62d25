#!/usr/bin/env bash
# measure_gil_pause.sh - not a test (no test_ prefix: the runner skips it):
# measures how long a snapshot holds the GIL in a Python process with
# N gc-tracked objects (default a million), in a podman container with
# --cpus CPUS (default 0.2) and without a limit: the census at the first
# snapshot, census plus holders search at the second (after 20% more
# objects).  The figures behind scripts/ccxtrace-k8s's liveness-probe
# warning (docs/kubernetes.md).  Needs the container tests' stand-in base
# image (tests/integration/containers/lib.sh builds it) and build/lib.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../containers/lib.sh
. "$here/../containers/lib.sh"
cd "$root"
n=${1:-1000000}
cpus=${2:-0.2}
ctr_init
base=$(ctr_base_image) || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ctr_cleanup' EXIT
cat >"$tmp/gil.py" <<'PY'
import glob, os, sys, time
d = os.environ["CCXTRACE_DIR"]
class Obj:
    def __init__(self, i):
        self.i = i
def snap(n):
    before = len(glob.glob(d + "/ccxtrace.*.json"))
    with open(d + "/trigger", "w") as f:
        f.write(str(n))
    while len(glob.glob(d + "/ccxtrace.*.json")) <= before:
        time.sleep(0.05)
objs = [Obj(i) for i in range(int(sys.argv[1]))]
snap(1)
more = [Obj(i) for i in range(int(sys.argv[1]) // 5)]
snap(2)
PY
for limit in "$cpus" none; do
    rm -rf "$tmp/s"; mkdir -m 0777 "$tmp/s"
    opt=(); [ "$limit" != none ] && opt=(--cpus "$limit")
    podman run --rm "${opt[@]}" --network none -v "$tmp:/gil" -v "$root/build/lib:/ccx:ro" \
        -e LD_PRELOAD=/ccx/libccxtrace.so -e CCXTRACE_DIR=/gil/s -e CCXTRACE_TRIGGER=/gil/s/trigger \
        -e CCXTRACE_AT_EXIT=0 "$base" python3 /gil/gil.py "$n" >/dev/null 2>&1
    for f in "$tmp"/s/ccxtrace.*.json; do
        python3 - "$f" "$limit" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = d["python"]
h = p.get("holders") or {}
objs = h.get("objects")
line = "cpus=%s: census %.0f ms" % (sys.argv[2], p["census_ms"])
if objs:
    line += ", holders search %.0f ms over %d objects (%.0f + %.0f ms per million)" % (
        h["search_ms"], objs, p["census_ms"] * 1e6 / objs, h["search_ms"] * 1e6 / objs)
print(line)
PY
    done
done
