#!/usr/bin/python3
"""test_k8s_patch.py - scripts/ccxtrace-k8s patch/unpatch on fixtures shaped
like the CCX templates (fixtures/: a Template holding a ClowdApp, a
Deployment with a sidecar, a DeploymentConfig, a StatefulSet in a List).
The output parses; a structural diff written here (not the tool's own code)
finds exactly the additions and nothing else changed; patching twice equals
patching once; unpatch gives the input back; the memory and probe warnings;
`kubectl kustomize` renders the patched Deployment (when kubectl is there);
bad input fails with one line, exit 2 and nothing written.
Needs Debian's python3 with python3-yaml (exit 77 without)."""
import copy
import os
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:
    print("python3-yaml missing")
    sys.exit(77)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.environ.get("CCX_ROOT") or os.path.abspath(os.path.join(HERE, "../../.."))
TOOL = os.path.join(ROOT, "scripts/ccxtrace-k8s")
FIX = os.path.join(HERE, "fixtures")
TMP = os.environ.get("CCX_TMP") or tempfile.mkdtemp()
failures = 0


def check(cond, what):
    global failures
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond:
        failures += 1


def run(*args, stdin=None):
    p = subprocess.run([TOOL] + list(args), input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def docs_of(text):
    return [d for d in yaml.safe_load_all(text) if d is not None]


def fixture(name):
    with open(os.path.join(FIX, name)) as f:
        return docs_of(f.read())


def diff(a, b, path=""):
    """Differences from a to b: ('added', path) for new dict keys and items
    appended to a list (named by their 'name'), ('changed', path) otherwise."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [("changed", path + "/" + k) for k in a if k not in b]
        for k in b:
            if k in a:
                out += diff(a[k], b[k], path + "/" + k)
            elif isinstance(b[k], list):   # a new list: its items appended to none
                out += diff([], b[k], path + "/" + k)
            else:
                out.append(("added", path + "/" + k))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(b) >= len(a):
        out = []
        for i, x in enumerate(a):
            out += diff(x, b[i], "%s[%d]" % (path, i))
        for x in b[len(a):]:
            out.append(("added", "%s[+%s]" % (path, x.get("name") if isinstance(x, dict) else x)))
        return out
    return [] if a == b and type(a) == type(b) else [("changed", path)]


ENV = ["LD_PRELOAD", "CCXTRACE_DIR", "CCXTRACE_TRIGGER", "CCXTRACE_INTERVAL",
       "CCXTRACE_STATS_INTERVAL", "CCXTRACE_KEEP", "CCXTRACE_MAX_DISK", "CCXTRACE_PRESSURE",
       "CCXTRACE_HOLDERS", "CCXTRACE_FILE_MODE"]


def expected(pod, c, env, init_new, life_new):
    """The additions to one pod spec at path pod, container at path c."""
    out = {("added", "%s/volumes[+ccxtrace-lib]" % pod), ("added", "%s/volumes[+ccxtrace-snapshots]" % pod),
           ("added", "%s/volumeMounts[+ccxtrace-lib]" % c), ("added", "%s/volumeMounts[+ccxtrace-snapshots]" % c)}
    out |= {("added", "%s/env[+%s]" % (c, e)) for e in env}
    out.add(("added", "%s/initContainers[+ccxtrace-install]" % pod))
    out.add(("added", "%s/lifecycle" % c) if life_new else ("added", "%s/lifecycle/preStop" % c))
    return out


def by_name(items, name):
    return [x for x in items if x.get("name") == name][0]


def check_fixture(name, pod_path, c_path, extra_env, init_new, life_new, get):
    orig = fixture(name)
    rc, out, err = run("patch", os.path.join(FIX, name), "--lib-image", "quay.io/x/ccxtrace-lib:1")
    check(rc == 0, "%s: patch exit 0 (%d: %s)" % (name, rc, err.strip()[:200]))
    patched = docs_of(out)
    # the volumes of a pod, the env/mounts of a container: paths differ per kind
    got = set(diff(orig, patched))
    want = expected(pod_path, c_path, ENV + extra_env, init_new, life_new)
    check(got == want, "%s: exactly the additions (extra: %s; missing: %s)"
          % (name, sorted(got - want), sorted(want - got)))
    pod, c = get(patched)
    env = {e["name"]: e.get("value") for e in c["env"]}
    check(env["LD_PRELOAD"] == "/ccxtrace/lib/libccxtrace.so", "%s: LD_PRELOAD" % name)
    check(env["CCXTRACE_TRIGGER"] == env["CCXTRACE_DIR"] + "/trigger", "%s: trigger file in the snapshot dir" % name)
    init = by_name(pod["initContainers"], "ccxtrace-install")
    check(init["image"] == "quay.io/x/ccxtrace-lib:1", "%s: init container from --lib-image" % name)
    snap = by_name(pod["volumes"], "ccxtrace-snapshots")
    check(snap["emptyDir"]["sizeLimit"] == "656Mi", "%s: emptyDir sizeLimit 656Mi above max disk 512Mi" % name)
    pre = c["lifecycle"]["preStop"]["exec"]["command"]
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check(pre[:3] == ["/ccxtrace/lib/ccxtrace-hook", "final", "/ccxtrace/snapshots"] and int(pre[3]) < grace,
          "%s: preStop exec of the hook, waits %s s < grace %d s" % (name, pre[3], grace))
    rc2, out2, _ = run("patch", "-", "--lib-image", "quay.io/x/ccxtrace-lib:1", stdin=out)
    check(rc2 == 0 and docs_of(out2) == patched and out2 == out, "%s: patching twice equals patching once" % name)
    rc3, out3, _ = run("unpatch", "-", stdin=out)
    check(rc3 == 0 and docs_of(out3) == orig, "%s: unpatch gives the input back" % name)
    return patched, out, err


def main():
    if not os.access(TOOL, os.X_OK):
        print("FAIL: %s missing" % TOOL)
        return 1
    # ClowdApp in a Template: init container without volumeMounts (Clowder's
    # inherit the service container's), the library mount writable.
    cpath = "[0]/objects[0]/spec/deployments[0]/podSpec"
    patched, out, err = check_fixture(
        "clowdapp-template.yaml", cpath, cpath, ["CCXTRACE_ONLY"], True, True,
        lambda d: (d[0]["objects"][0]["spec"]["deployments"][0]["podSpec"],) * 2)
    pod = patched[0]["objects"][0]["spec"]["deployments"][0]["podSpec"]
    init = by_name(pod["initContainers"], "ccxtrace-install")
    check(set(init) == {"name", "image", "command"}, "ClowdApp init container: only fields Clowder's InitContainer has")
    check("readOnly" not in by_name(pod["volumeMounts"], "ccxtrace-lib"), "ClowdApp: library mount writable (the init container inherits it)")
    check(out.startswith("# ccxtrace-k8s: ClowdApp") and "inherit" in out.split("\n")[0],
          "ClowdApp: what it cannot express said at the top of the output")
    check({"${IMAGE}:${IMAGE_TAG}", "${{REPLICAS}}", "${MEMORY_LIMIT}"} <= set(strings(patched)),
          "Template placeholders untouched")
    check("liveness probe" in err and "2325 ms" in err and "--holders 0: 175 ms" in err,
          "liveness failureThreshold 1, timeout 1 s: GIL warning with figures")
    check("memory limit" not in err, "512Mi limit with 256Mi request: no memory warning")
    rc, _, err0 = run("patch", os.path.join(FIX, "clowdapp-template.yaml"), "--holders", "0")
    check(rc == 0 and "liveness" not in err0, "--holders 0: no probe warning")
    rc, outm, errm = run("patch", os.path.join(FIX, "clowdapp-template.yaml"), "--memory-headroom", "128Mi")
    podm = docs_of(outm)[0]["objects"][0]["spec"]["deployments"][0]["podSpec"]
    check(podm["resources"]["limits"]["memory"] == "640Mi" and "MEMORY_LIMIT" in errm,
          "--memory-headroom 128Mi: ${MEMORY_LIMIT} (512Mi default) raised to 640Mi, said")
    check(podm["metadata"]["annotations"]["ccxtrace.redhat.com/original-memory-limit"] == "${MEMORY_LIMIT}",
          "original limit kept in podSpec.metadata.annotations")
    rc, outm2, _ = run("patch", "-", "--memory-headroom", "128Mi", stdin=outm)
    check(outm2 == outm, "--memory-headroom twice raises once")
    rc, outu, _ = run("unpatch", "-", stdin=outm)
    check(docs_of(outu) == fixture("clowdapp-template.yaml"), "unpatch restores ${MEMORY_LIMIT}")

    # Deployment with a sidecar: the first container by default, --container proxy.
    dpod = "[0]/spec/template/spec"
    patched, out, err = check_fixture(
        "deployment-sidecar.yaml", dpod, dpod + "/containers[0]", ["CCXTRACE_ONLY"], True, True,
        lambda d: (d[0]["spec"]["template"]["spec"], d[0]["spec"]["template"]["spec"]["containers"][0]))
    pod = patched[0]["spec"]["template"]["spec"]
    check(pod["containers"][0]["lifecycle"]["preStop"]["exec"]["command"][3] == "20", "grace 40 s: hook waits 20 s")
    check(by_name(pod["containers"][0]["volumeMounts"], "ccxtrace-lib").get("readOnly") is True,
          "Deployment: library mounted read-only in the service container")
    check(by_name(pod["initContainers"], "ccxtrace-install")["volumeMounts"] == [{"name": "ccxtrace-lib", "mountPath": "/ccxtrace/lib"}],
          "Deployment: init container mounts only the library volume")
    check("liveness" not in err and "memory" not in err, "failureThreshold 3 and 1Gi limit: no warning")
    check_kustomize(out)
    rc, outp, _ = run("patch", os.path.join(FIX, "deployment-sidecar.yaml"), "--container", "proxy",
                      "--snapshot-volume", "pvc:snaps")
    podp = docs_of(outp)[0]["spec"]["template"]["spec"]
    check(rc == 0 and podp["containers"][0] == docs_of(open(os.path.join(FIX, "deployment-sidecar.yaml")).read())[0]["spec"]["template"]["spec"]["containers"][0] and
          [e["name"] for e in podp["containers"][1]["env"]] == ENV,
          "--container proxy: the sidecar traced, the service untouched (no command: no CCXTRACE_ONLY)")
    check(by_name(podp["volumes"], "ccxtrace-snapshots") == {"name": "ccxtrace-snapshots", "persistentVolumeClaim": {"claimName": "snaps"}},
          "--snapshot-volume pvc:snaps")

    # DeploymentConfig: no image command, a postStart kept, a tight limit.
    dc = "[0]/spec/template/spec"
    patched, out, err = check_fixture(
        "deploymentconfig.yaml", dc, dc + "/containers[0]", [], True, False,
        lambda d: (d[0]["spec"]["template"]["spec"], d[0]["spec"]["template"]["spec"]["containers"][0]))
    check("memory limit 200Mi leaves 20Mi" in err and "--memory-headroom" in err, "200Mi limit, 180Mi request: headroom warning")
    rc, outm, errm = run("patch", os.path.join(FIX, "deploymentconfig.yaml"), "--memory-headroom", "150Mi")
    tm = docs_of(outm)[0]["spec"]["template"]
    check(tm["spec"]["containers"][0]["resources"]["limits"]["memory"] == "350Mi" and
          tm["metadata"]["annotations"] == {"team": "ccx", "ccxtrace.redhat.com/original-memory-limit": "200Mi"},
          "--memory-headroom 150Mi: 350Mi, original in an annotation beside team: ccx")
    rc, outu, _ = run("unpatch", "-", stdin=outm)
    check(docs_of(outu) == fixture("deploymentconfig.yaml"), "unpatch restores 200Mi and the annotations")

    # StatefulSet in a List, with its own init container; python3 -m: CCXTRACE_ONLY python3.
    ss = "[0]/items[0]/spec/template/spec"
    check_fixture("statefulset.yaml", ss, ss + "/containers[0]", ["CCXTRACE_ONLY"], False, True,
                  lambda d: (d[0]["items"][0]["spec"]["template"]["spec"],
                             d[0]["items"][0]["spec"]["template"]["spec"]["containers"][0]))
    # Clowder names every init container <deployment>-init: a second one would clash.
    with open(os.path.join(FIX, "clowdapp-template.yaml")) as f:
        text = f.read().replace("        volumeMounts:\n        - mountPath: /data",
                                "        initContainers:\n        - command: [migrate]\n"
                                "        volumeMounts:\n        - mountPath: /data", 1)
    rc, out, err = run("patch", "-", stdin=text)
    check(rc == 2 and out == "" and "Clowder names every init container" in err and len(err.strip().split("\n")) == 1,
          "ClowdApp with its own init container: refused, one line (%s)" % err.strip())
    check_bad_input()
    print("%d failed" % failures)
    return 1 if failures else 0


def strings(x):
    if isinstance(x, dict):
        for v in x.values():
            yield from strings(v)
    elif isinstance(x, list):
        for v in x:
            yield from strings(v)
    elif isinstance(x, str):
        yield x


def check_kustomize(out):
    kubectl = next((os.path.join(d, "kubectl") for d in os.environ.get("PATH", "").split(":")
                    if os.access(os.path.join(d, "kubectl"), os.X_OK)), None)
    if not kubectl:
        print("note: kubectl not installed: the kustomize render check did not run")
        return
    d = tempfile.mkdtemp(dir=TMP)
    with open(os.path.join(d, "patched.yaml"), "w") as f:
        f.write(out)
    with open(os.path.join(d, "kustomization.yaml"), "w") as f:
        f.write("resources:\n- patched.yaml\n")
    p = subprocess.run([kubectl, "kustomize", d], capture_output=True, text=True)
    rendered = docs_of(p.stdout) if p.returncode == 0 else []
    dep = [x for x in rendered if x.get("kind") == "Deployment"]
    check(p.returncode == 0 and dep and dep[0] == docs_of(out)[0],
          "kubectl kustomize renders the patched Deployment unchanged (%s)" % p.stderr.strip()[:200])


def check_bad_input():
    cases = [("not YAML", "a: [b\n", []),
             ("unknown kind", "apiVersion: x/v1\nkind: Frobnicator\nmetadata: {name: f}\n", []),
             ("missing container", open(os.path.join(FIX, "deployment-sidecar.yaml")).read(), ["--container", "nope"]),
             ("a scalar document", "just text\n", [])]
    for what, text, opts in cases:
        src = os.path.join(TMP, "bad.yaml")
        with open(src, "w") as f:
            f.write(text)
        dst = os.path.join(TMP, "out.yaml")
        with open(dst, "w") as f:
            f.write("previous\n")
        rc, out, err = run("patch", src, "-o", dst, *opts)
        lines = err.strip().split("\n")
        check(rc == 2 and len(lines) == 1 and lines[0].startswith("ccxtrace-k8s: ") and src in lines[0],
              "%s: exit 2, one line naming the input (%d: %s)" % (what, rc, err.strip()))
        check(open(dst).read() == "previous\n" and not [n for n in os.listdir(TMP) if n.startswith(".ccxtrace-k8s.")],
              "%s: nothing written" % what)


if __name__ == "__main__":
    sys.exit(main())
