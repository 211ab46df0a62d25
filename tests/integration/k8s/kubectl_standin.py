#!/usr/bin/python3
"""kubectl_standin.py - a stand-in for kubectl/oc in the tests of
scripts/ccxtrace-k8s snapshot/collect/status: `get pods -l SEL -o json` and
`exec POD -c C -- CMD...` over pods described in $KSTANDIN/pods.json, each a
local directory standing for the container's file system (paths under
/ccxtrace/ map into it).  CMD is the real ccxtrace-hook ($KSTANDIN_HOOK),
tar or cat; a pod with "notar" has no tar (exit 127, as a missing executable
gives), one with "hang" never answers.  Every call is logged to
$KSTANDIN/calls.log."""
import json
import os
import sys
import time

state = os.environ["KSTANDIN"]
with open(os.path.join(state, "pods.json")) as f:
    PODS = json.load(f)
with open(os.path.join(state, "calls.log"), "a") as f:
    f.write(" ".join(sys.argv[1:]) + "\n")


def strip_ns(argv):
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "-n":
            skip = True
        else:
            out.append(a)
    return out


def matches(labels, selector):
    return all(labels.get(k) == v for k, v in (kv.split("=", 1) for kv in selector.split(",")))


def get_pods(argv):
    sel = argv[argv.index("-l") + 1]
    items = [{"metadata": {"name": p["name"], "labels": p["labels"]},
              "spec": {"containers": p["containers"]}, "status": {"phase": "Running"}}
             for p in PODS if matches(p["labels"], sel)]
    print(json.dumps({"kind": "List", "items": items}))
    return 0


def exec_(argv):
    name, cmd = argv[1], argv[argv.index("--") + 1:]
    pod = [p for p in PODS if p["name"] == name][0]
    if pod.get("hang"):
        time.sleep(3600)
    mapped = [pod["root"] + a if a.startswith("/ccxtrace/") else a for a in cmd]
    if cmd[0] == "/ccxtrace/lib/ccxtrace-hook":
        mapped[0] = os.environ["KSTANDIN_HOOK"]
    elif cmd[0] == "tar" and not pod.get("notar") or cmd[0] == "cat":
        mapped[0] = "/bin/" + cmd[0]
    else:
        sys.stderr.write('exec: "%s": executable file not found in $PATH\n' % cmd[0])
        return 127
    sys.stdout.flush()
    os.execv(mapped[0], mapped)


argv = strip_ns(sys.argv[1:])
if argv[:2] == ["get", "pods"]:
    sys.exit(get_pods(argv))
if argv[:1] == ["exec"]:
    sys.exit(exec_(argv))
sys.stderr.write("standin: unsupported: %s\n" % " ".join(sys.argv[1:]))
sys.exit(1)
