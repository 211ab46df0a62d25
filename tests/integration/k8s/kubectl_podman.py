#!/usr/bin/python3
"""kubectl_podman.py - a kubectl stand-in over a pod that `podman kube play`
runs (test_k8s_kube_play.sh): `get pods -l ... -o json` answers the one pod
named in $KPODMAN_POD, its container $KPODMAN_CONTAINER mounting the patch's
volumes as in $KPODMAN_YAML (the patched Deployment); `exec POD -c C --
CMD...` runs CMD in that container with `podman exec`."""
import json
import os
import sys

import yaml

argv = sys.argv[1:]
if argv[:2] == ["get", "pods"]:
    with open(os.environ["KPODMAN_YAML"]) as f:
        dep = yaml.safe_load(f)
    spec = dep["spec"]["template"]["spec"]
    print(json.dumps({"items": [{"metadata": {"name": os.environ["KPODMAN_POD"]},
                                 "spec": {"containers": spec["containers"]},
                                 "status": {"phase": "Running"}}]}))
    sys.exit(0)
if argv[:1] == ["exec"]:
    cmd = argv[argv.index("--") + 1:]
    os.execvp("podman", ["podman", "exec", os.environ["KPODMAN_CONTAINER"]] + cmd)
sys.stderr.write("kubectl_podman: unsupported: %s\n" % " ".join(argv))
sys.exit(1)
