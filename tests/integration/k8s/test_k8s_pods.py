#!/usr/bin/python3
"""test_k8s_pods.py - scripts/ccxtrace-k8s snapshot, status and collect
against kubectl_standin.py: pods are local directories, two of them with a
real traced Python process writing into them (one pod without tar, so
collect falls back to cat), one untraced, one that never answers.  Every
traced pod gets a new snapshot; status counts what is really there; collect
copies every file byte for byte, a second collect only what is new or grew
(checked in the stand-in's call log); snapshot --label labels each pod's
snapshot, --via signal refuses where pid 1 is not the traced process; the untraced pod is reported as such;
the silent pod is given up after --timeout and the others still done."""
import filecmp
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("CCX_ROOT") or os.path.abspath(os.path.join(HERE, "../../.."))
BUILD = os.environ.get("CCX_BUILD") or os.path.join(ROOT, "build")
TOOL = os.path.join(ROOT, "scripts/ccxtrace-k8s")
STANDIN = os.path.join(HERE, "kubectl_standin.py")
HOOK = os.path.join(BUILD, "bin/ccxtrace-hook")
LIB = os.path.join(BUILD, "lib/libccxtrace.so")
TMP = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
failures = 0

APP = """
import time
keep = []
while True:
    keep.append(bytearray(2048))
    time.sleep(0.005)
"""


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def tool(*args):
    env = dict(os.environ, KSTANDIN=TMP, KSTANDIN_HOOK=HOOK)
    p = subprocess.run([TOOL] + list(args) + ["--cli", STANDIN], capture_output=True, text=True, env=env, timeout=120)
    return p.returncode, p.stdout, p.stderr


def snaps(pod):
    d = os.path.join(TMP, pod, "ccxtrace/snapshots")
    return sorted(n for n in os.listdir(d) if n.startswith("ccxtrace.") and n.endswith(".json"))


def setup():
    traced = [{"name": "svc", "volumeMounts": [{"name": "ccxtrace-lib", "mountPath": "/ccxtrace/lib"}]}]
    pods = [{"name": "pod-a", "labels": {"app": "svc", "tier": "all"}, "containers": traced},
            {"name": "pod-b", "labels": {"app": "svc", "tier": "all"}, "containers": traced, "notar": True},
            {"name": "pod-c", "labels": {"app": "svc", "tier": "all"}, "containers": [{"name": "svc"}]},
            {"name": "pod-d", "labels": {"tier": "all"}, "containers": traced, "hang": True}]
    procs = []
    for p in pods:
        p["root"] = os.path.join(TMP, p["name"])
        os.makedirs(os.path.join(p["root"], "ccxtrace/snapshots"), exist_ok=True)
    with open(os.path.join(TMP, "pods.json"), "w") as f:
        json.dump(pods, f)
    for name in ("pod-a", "pod-b"):
        d = os.path.join(TMP, name, "ccxtrace/snapshots")
        env = dict(os.environ, LD_PRELOAD=LIB, CCXTRACE_DIR=d, CCXTRACE_TRIGGER=d + "/trigger",
                   CCXTRACE_STATS_INTERVAL="1s", CCXTRACE_AT_EXIT="0")
        procs.append(subprocess.Popen(["/usr/bin/python3", "-c", APP], env=env))
    return procs


def calls():
    with open(os.path.join(TMP, "calls.log")) as f:
        return f.read().splitlines()


def main():
    for f in (HOOK, LIB):
        if not os.path.exists(f):
            print("FAIL: %s not built (make all)" % f)
            return 1
    procs = setup()
    try:
        time.sleep(2)
        run_checks()
    finally:
        for p in procs:
            p.kill()
            p.wait()
    print("%d failed" % failures)
    return 1 if failures else 0


def run_checks():
    rc, out, err = tool("snapshot", "-l", "app=svc")
    check(rc == 0 and len(snaps("pod-a")) == 1 and len(snaps("pod-b")) == 1,
          "snapshot: exit 0, a new snapshot in pod-a and pod-b (%d: %s %s)" % (rc, out.strip(), err.strip()))
    check("pod-c: not traced" in out and "pod-d" not in out, "snapshot: pod-c reported untraced, pod-d not selected")
    rc, out, err = tool("status", "-l", "app=svc")
    lines = dict(l.split(": ", 1) for l in out.strip().splitlines())
    check(rc == 0 and lines["pod-a"].startswith("traced (container svc), 1 snapshots, newest 20")
          and lines["pod-b"].startswith("traced (container svc), 1 snapshots") and lines["pod-c"].startswith("not traced"),
          "status: per pod, traced, 1 snapshot each (%s)" % out.strip().replace("\n", " | "))
    dest = os.path.join(TMP, "collected")
    rc, out, err = tool("collect", "-l", "app=svc", "-o", dest)
    check(rc == 0 and "pod-a: " in out and "(tar)" in out.split("pod-a: ")[1].split("\n")[0]
          and "(cat)" in out.split("pod-b: ")[1].split("\n")[0], "collect: tar in pod-a, cat in pod-b (%s)" % out.strip().replace("\n", " | "))
    for pod in ("pod-a", "pod-b"):
        src = os.path.join(TMP, pod, "ccxtrace/snapshots")
        same = all(filecmp.cmp(os.path.join(src, n), os.path.join(dest, pod, n), shallow=False) for n in snaps(pod))
        csv = [n for n in os.listdir(os.path.join(dest, pod)) if n.endswith(".stats.csv")]
        check(same and len(csv) == 1 and not os.path.exists(os.path.join(dest, pod, "trigger")),
              "collect: %s's snapshots byte for byte, its stats CSV, not the trigger" % pod)
    check(not os.path.exists(os.path.join(dest, "pod-c")), "collect: nothing for the untraced pod")
    first = {p: snaps(p) for p in ("pod-a", "pod-b")}
    tool("snapshot", "-l", "app=svc")
    time.sleep(1.5)  # the stats CSV grows a line a second
    mark = len(calls())
    rc, out, err = tool("collect", "-l", "app=svc", "-o", dest)
    new_calls = calls()[mark:]
    for pod in ("pod-a", "pod-b"):
        new = [n for n in snaps(pod) if n not in first[pod]]
        copied_old = [n for n in first[pod] for c in new_calls if pod in c and n in c]
        copied_new = all(any(pod in c and n in c for c in new_calls) for n in new)
        check(len(new) == 1 and copied_new and not copied_old and os.path.exists(os.path.join(dest, pod, new[0])),
              "second collect: %s copies its new snapshot and not the old one" % pod)
        check("2 of 3 files copied" in out.split(pod + ": ")[1].split("\n")[0],
              "second collect: %s: 2 of 3 (new snapshot, grown CSV)" % pod)
    rc, out, err = tool("snapshot", "-l", "app=svc", "--label", "after burst 3")  # a third one each, for the trend below
    labels = {}
    for pod in ("pod-a", "pod-b"):
        newest = max((os.path.join(TMP, pod, "ccxtrace/snapshots", n) for n in snaps(pod)), key=os.path.getmtime)
        with open(newest) as f:
            labels[pod] = json.load(f).get("label")
    check(rc == 0 and labels == {"pod-a": "after burst 3", "pod-b": "after burst 3"},
          "snapshot --label: each pod's new snapshot carries the label (%s)" % labels)
    rc, out, err = tool("snapshot", "-l", "app=svc", "--label", "two\nlines")
    check(rc == 2 and len(err.strip().splitlines()) == 1, "snapshot --label with a newline: exit 2, one line (%s)" % err.strip())
    rc, out, err = tool("snapshot", "-l", "app=svc", "--label", "x", "--via", "signal")
    check(rc == 2 and "signal carries no label" in err, "--label with --via signal: exit 2 (%s)" % err.strip()[-80:])
    rc, out, err = tool("snapshot", "-l", "app=svc", "--via", "signal")
    check(rc == 1 and out.count("not signalled") == 2 and "pod-c: not traced" in out,
          "--via signal where pid 1 is not the traced process: each pod says so, exit 1 (%s)" % out.strip().replace("\n", " | "))
    rc, out, err = tool("collect", "-l", "tier=all", "-o", dest, "--timeout", "3")
    check(rc == 1 and "pod-d: no answer within 3 s" in out and "pod-a: " in out and "pod-b: " in out,
          "silent pod-d given up after --timeout 3, exit 1, the others done (%s)" % out.strip().replace("\n", " | "))
    an = os.path.join(BUILD, "bin/ccx-analyze")
    p = subprocess.run([an, "trend", os.path.join(dest, "pod-a"), os.path.join(dest, "pod-b"), "--by", "line"],
                       capture_output=True, text=True)
    print(p.stdout[:1200])
    check(p.returncode == 0 and "<string>:5" in p.stdout, "ccx-analyze trend over both pods' collected directories finds the leaking line <string>:5 (%s)" % p.stderr.strip()[:200])
    rc, out, err = tool("status", "-l", "app=none")
    check(rc == 2 and err.strip() == "ccxtrace-k8s: no running pod matches -l app=none", "no pod: exit 2, one line")


if __name__ == "__main__":
    sys.exit(main())
