#!/usr/bin/env bash
# test_k8s_hook.sh - ccxtrace-hook, the static helper of the Kubernetes patch
# (scripts/k8s/ccxtrace_hook.c): `install` copies the tracer's three files as
# the init container does (and fails with one line when one is missing);
# `final` is the preStop hook: against a real traced Python process it pulls
# the trigger and returns once the new snapshot is there, well within its
# bound, and labels it when asked; `signal` signals pid 1 only when pid 1 is
# the traced process writing to that directory (run as pid 1 of a PID
# namespace of its own); without a tracer it gives up after its bound with
# exit 1.  As root,
# it also runs chrooted in a directory holding nothing but itself and the
# snapshot directory: no shell, no libc needed, as in a distroless image.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../../..}"
build=${CCX_BUILD:-$PWD/build}
tmp=${CCX_TMP:-$(mktemp -d)}
hook=$build/bin/ccxtrace-hook
lib=$build/lib/libccxtrace.so
fail=0
bad() { echo "FAIL: $*"; fail=1; }
ok() { echo "ok: $*"; }
[ -x "$hook" ] || { echo "FAIL: $hook not built (make all)"; exit 1; }
[ -f "$lib" ] || { echo "FAIL: $lib not built"; exit 1; }
py=/usr/bin/python3
[ -x $py ] || { echo "Debian's python3 missing"; exit 77; }
file -b "$hook" | grep -q 'statically linked' && ok "hook statically linked" || bad "hook not static: $(file -b "$hook")"

# ---- install ---------------------------------------------------------------
mkdir -p "$tmp/img" "$tmp/vol"
cp "$lib" "$tmp/img/libccxtrace.so"
echo unwind >"$tmp/img/libunwind.so.8"
cp "$hook" "$tmp/img/ccxtrace-hook"
chmod 0644 "$tmp/img/libunwind.so.8"
"$hook" install "$tmp/img" "$tmp/vol" >/dev/null || bad "install failed"
for f in libccxtrace.so libunwind.so.8 ccxtrace-hook; do
    cmp -s "$tmp/img/$f" "$tmp/vol/$f" && [ "$(stat -c %a "$tmp/vol/$f")" = 755 ] \
        && ok "install: $f copied, mode 755" || bad "install: $f"
done
[ -z "$(ls "$tmp/vol" | grep '\.tmp$')" ] || bad "install left a .tmp"
rm "$tmp/img/libunwind.so.8"
mkdir -p "$tmp/vol2"
err=$("$hook" install "$tmp/img" "$tmp/vol2" 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] && [ "$(echo "$err" | wc -l)" = 1 ] && echo "$err" | grep -q "libunwind.so.8" \
    && ok "install: a missing file, exit 1, one line ($err)" || bad "install missing file: rc=$rc $err"
"$hook" final "$tmp" abc 2>/dev/null; [ $? = 2 ] && ok "final: bad SECONDS, exit 2" || bad "final bad SECONDS"

# ---- final against a traced process -------------------------------------------
snaps=$tmp/snaps
mkdir -p "$snaps"
cat >"$tmp/app.py" <<'EOF'
import time
keep = []
while True:
    keep.append(bytearray(4096))
    time.sleep(0.01)
EOF
LD_PRELOAD=$lib CCXTRACE_DIR=$snaps CCXTRACE_TRIGGER=$snaps/trigger CCXTRACE_AT_EXIT=0 \
    $py "$tmp/app.py" &
pid=$!
sleep 2
before=$(ls "$snaps" | grep -c '^ccxtrace\..*\.json$')
out=$("$hook" final "$snaps" 20); rc=$?
after=$(ls "$snaps" | grep -c '^ccxtrace\..*\.json$')
[ $rc = 0 ] && [ "$after" -gt "$before" ] && ok "final: new snapshot ($before -> $after): $out" \
    || bad "final: rc=$rc, snapshots $before -> $after"
[ "$(cat "$snaps/trigger")" = 1 ] && ok "trigger file holds 1" || bad "trigger: $(cat "$snaps/trigger")"
out=$("$hook" final "$snaps" 20); rc=$?
again=$(ls "$snaps" | grep -c '^ccxtrace\..*\.json$')
[ $rc = 0 ] && [ "$(cat "$snaps/trigger")" = 2 ] && [ "$again" -gt "$after" ] \
    && ok "final again: counter 2, another snapshot ($after -> $again)" || bad "second final rc=$rc, $after -> $again"
newest() { ls -t "$1"/ccxtrace.*.json | head -n 1; }
field() { $py -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2]))' "$1" "$2"; }
out=$("$hook" final "$snaps" 20 "after burst 3"); rc=$?
f=$(newest "$snaps")
[ $rc = 0 ] && [ "$(field "$f" label)" = "after burst 3" ] && [ "$(field "$f" reason)" = trigger ] \
    && [ "$(head -n 1 "$snaps/trigger")" = 3 ] \
    && ok "final with a label: snapshot labelled \"after burst 3\" ($out)" \
    || bad "final with a label: rc=$rc label=$(field "$f" label) trigger=$(head -n 1 "$snaps/trigger")"
for badlabel in "$(printf 'two\nlines')" "" "$(head -c 256 /dev/zero | tr '\0' x)"; do
    err=$("$hook" final "$snaps" 1 "$badlabel" 2>&1); rc=$?
    [ $rc = 2 ] && [ "$(echo "$err" | wc -l)" = 1 ] || bad "bad label accepted: rc=$rc $err"
done
[ "$(head -n 1 "$snaps/trigger")" = 3 ] && ok "bad labels (newline, empty, 256 bytes): exit 2, one line, trigger untouched" \
    || bad "a bad label wrote the trigger"
err=$("$hook" signal "$snaps" 2 2>&1); rc=$?
[ $rc = 1 ] && echo "$err" | grep -q "pid 1" && ok "signal: pid 1 here is not the traced process, exit 1 ($err)" \
    || bad "signal to an untraced pid 1: rc=$rc $err"
kill $pid; wait $pid 2>/dev/null

# ---- signal: the traced process is pid 1 (a PID namespace of its own) -----------
if [ "$(id -u)" = 0 ] && unshare --pid --fork --mount-proc true 2>/dev/null; then
    sig=$tmp/sig
    mkdir -p "$sig"
    # pid 1 of a new namespace gets no default signal action: only a caught signal reaches it
    LD_PRELOAD=$lib CCXTRACE_DIR=$sig/ CCXTRACE_AT_EXIT=0 CCXTRACE_SIGNAL=SIGUSR1 \
        unshare --pid --fork --mount-proc $py "$tmp/app.py" &
    upid=$!
    inner=""
    for _ in $(seq 100); do
        inner=$(pgrep -P $upid -f app.py) && break
        sleep 0.05
    done
    sleep 2
    before=$(ls "$sig" | grep -c '^ccxtrace\..*\.json$')
    out=$(nsenter -t "$inner" --pid --mount "$hook" signal "$sig" 20); rc=$?
    f=$(newest "$sig")
    [ $rc = 0 ] && [ -n "$f" ] && [ "$(field "$f" reason)" = signal ] && echo "$out" | grep -q "SIGUSR1 to pid 1" \
        && ok "signal: the traced pid 1 took a snapshot on its CCXTRACE_SIGNAL ($out)" \
        || bad "signal to the traced pid 1: rc=$rc before=$before out=$out"
    [ ! -e "$sig/trigger" ] && ok "signal: no trigger file written" || bad "signal wrote a trigger file"
    err=$(nsenter -t "$inner" --pid --mount "$hook" signal "$tmp/elsewhere" 2 2>&1); rc=$?
    [ $rc = 1 ] && echo "$err" | grep -q "writes its snapshots to $sig/" \
        && ok "signal: another directory than pid 1's CCXTRACE_DIR is refused ($err)" || bad "signal other dir: rc=$rc $err"
    kill -KILL "$inner" 2>/dev/null; wait $upid 2>/dev/null # pid 1 ignores an uncaught SIGTERM
else
    echo "note: not root or no unshare: the signal-to-pid-1 check did not run"
fi

# ---- no tracer: bounded -----------------------------------------------------------
mkdir -p "$tmp/empty"
start=$(date +%s)
err=$("$hook" final "$tmp/empty" 1 2>&1); rc=$?
took=$(( $(date +%s) - start ))
[ $rc = 1 ] && [ $took -le 5 ] && ok "final without a tracer: exit 1 after the bound ($err)" || bad "untraced: rc=$rc took ${took}s"

# ---- no shell, no libc: chrooted --------------------------------------------------------
if [ "$(id -u)" = 0 ] && command -v chroot >/dev/null; then
    root=$tmp/distroless
    mkdir -p "$root/ccxtrace/snapshots"
    cp "$hook" "$root/ccxtrace/ccxtrace-hook"
    err=$(chroot "$root" /ccxtrace/ccxtrace-hook final /ccxtrace/snapshots 1 2>&1); rc=$?
    [ $rc = 1 ] && [ "$(cat "$root/ccxtrace/snapshots/trigger")" = 1 ] \
        && ok "runs chrooted with nothing else (trigger written; no tracer there, exit 1)" \
        || bad "chroot: rc=$rc $err"
else
    echo "note: not root: the chroot check did not run"
fi
exit $fail
