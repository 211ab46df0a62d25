"""k8s_pods.py - scripts/ccxtrace-k8s snapshot, collect and status: the pods
a label selector matches, reached through `kubectl` or `oc` (get pods -o
json, exec).  A pod is traced when a container mounts the patch's
ccxtrace-lib volume; everything in it is done through the static
ccxtrace-hook the patch copied there (final: trigger, labelled or not, and
wait; signal: the snapshot signal to pid 1 when it is the traced process, and
wait; list), and the
files are copied with tar when the image has it, else with cat one by one.
Every call to the CLI is bounded by --timeout; a pod that does not answer is
reported and the others go on.  Exit status: 0 every pod done, 1 a pod
failed (each said in one line), 2 bad usage or the CLI failed."""
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time

LIB_VOL = "ccxtrace-lib"
SNAP_DIR = "/ccxtrace/snapshots"
HOOK = "/ccxtrace/lib/ccxtrace-hook"


class CliError(Exception):
    """The CLI itself failed (not one pod): exit 2."""


class PodError(Exception):
    """One pod failed: said, the others go on."""


def find_cli(wanted):
    if wanted:
        path = shutil.which(wanted)
        if not path:
            raise CliError("--cli %s: not found" % wanted)
        return path
    for name in ("kubectl", "oc"):
        path = shutil.which(name)
        if path:
            return path
    raise CliError("neither kubectl nor oc found (--cli PATH)")


class Cluster:
    def __init__(self, args):
        self.cli = find_cli(args.cli)
        self.ns = ["-n", args.namespace] if args.namespace else []
        self.timeout = args.timeout

    def run(self, argv, what, binary=False):
        try:
            p = subprocess.run([self.cli] + argv, capture_output=True, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise PodError("%s: no answer within %d s" % (what, self.timeout))
        if not binary:
            return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

    def pods(self, selector):
        try:
            rc, out, err = self.run(["get", "pods", "-l", selector, "-o", "json"] + self.ns, "get pods")
        except PodError as e:
            raise CliError(str(e))
        if rc != 0:
            raise CliError("get pods -l %s: %s" % (selector, (err.strip().splitlines() or ["exit %d" % rc])[-1]))
        try:
            items = json.loads(out).get("items") or []
        except ValueError:
            raise CliError("get pods -l %s: not JSON" % selector)
        return [p for p in items if (p.get("status") or {}).get("phase") == "Running"]

    def exec(self, pod, container, cmd, binary=False):
        argv = ["exec"] + self.ns + [pod, "-c", container, "--"] + cmd
        return self.run(argv, pod, binary)


def traced_container(pod):
    """The container mounting the patch's library volume, or None."""
    for c in (pod.get("spec") or {}).get("containers") or []:
        if any(m.get("name") == LIB_VOL for m in c.get("volumeMounts") or []):
            return c.get("name")
    return None


def listing(cl, name, container):
    rc, out, err = cl.exec(name, container, [HOOK, "list", SNAP_DIR])
    if rc != 0:
        raise PodError("%s: %s list failed: %s" % (name, HOOK, (err.strip().splitlines() or ["exit %d" % rc])[-1]))
    files = []
    for line in out.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit() and "/" not in parts[2]:
            files.append((parts[2], int(parts[0]), int(parts[1])))
    return sorted(files)


def for_each_pod(args, step):
    cl = Cluster(args)
    pods = cl.pods(args.selector)
    if not pods:
        raise CliError("no running pod matches -l %s" % args.selector)
    failed = 0
    for pod in pods:
        name = pod["metadata"]["name"]
        container = traced_container(pod)
        try:
            if container is None:
                print("%s: not traced (no %s volume: scripts/ccxtrace-k8s patch)" % (name, LIB_VOL))
                continue
            step(cl, name, container, args)
        except PodError as e:
            print(str(e))
            failed += 1
    return 1 if failed else 0


def do_snapshot(cl, name, container, args):
    secs = str(max(1, args.timeout - 5))
    if args.via == "signal":
        cmd = [HOOK, "signal", SNAP_DIR, secs]
    else:
        cmd = [HOOK, "final", SNAP_DIR, secs] + ([args.label] if args.label else [])
    rc, out, err = cl.exec(name, container, cmd)
    if rc != 0:
        raise PodError("%s: no new snapshot (%s)" % (name, (err.strip().splitlines() or ["exit %d" % rc])[-1]))
    print("%s: %s" % (name, out.strip().replace("ccxtrace-hook: ", "")))


def do_status(cl, name, container, args):
    files = listing(cl, name, container)
    snaps = [f for f in files if f[0].endswith(".json")]
    newest = max((f[2] for f in snaps), default=None)
    when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest)) if newest else "-"
    print("%s: traced (container %s), %d snapshots, newest %s, %.1f MiB"
          % (name, container, len(snaps), when, sum(f[1] for f in files) / 1048576))


def has_tar(cl, name, container):
    rc, _, _ = cl.exec(name, container, ["tar", "--version"])
    return rc == 0


def wanted(files, dest):
    """The files not yet here with their size (a stats CSV that grew comes again)."""
    out = []
    for fname, size, _ in files:
        local = os.path.join(dest, fname)
        if not (os.path.isfile(local) and os.path.getsize(local) >= size):
            out.append((fname, size))
    return out


def copy_tar(cl, name, container, todo, dest):
    rc, data, err = cl.exec(name, container, ["tar", "cf", "-", "-C", SNAP_DIR] + [f for f, _ in todo], binary=True)
    if rc != 0:
        raise PodError("%s: tar failed: %s" % (name, (err.strip().splitlines() or ["exit %d" % rc])[-1]))
    with tempfile.TemporaryFile() as tmp:
        tmp.write(data)
        tmp.seek(0)
        with tarfile.open(fileobj=tmp) as t:
            for fname, _ in todo:
                member = t.getmember(fname)
                if not member.isreg():
                    raise PodError("%s: %s is not a regular file in the archive" % (name, fname))
                put(dest, fname, t.extractfile(member).read())


def copy_cat(cl, name, container, todo, dest):
    for fname, _ in todo:
        rc, data, err = cl.exec(name, container, ["cat", SNAP_DIR + "/" + fname], binary=True)
        if rc != 0:
            raise PodError("%s: cat %s failed: %s" % (name, fname, (err.strip().splitlines() or ["exit %d" % rc])[-1]))
        put(dest, fname, data)


def put(dest, fname, data):
    fd, tmp = tempfile.mkstemp(dir=dest, prefix=".part.")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, os.path.join(dest, fname))


def do_collect(cl, name, container, args):
    dest = os.path.join(args.output, name)
    os.makedirs(dest, exist_ok=True)
    files = listing(cl, name, container)
    todo = wanted(files, dest)
    if not todo:
        print("%s: %d files, nothing new" % (name, len(files)))
        return
    how = "tar" if has_tar(cl, name, container) else "cat"
    (copy_tar if how == "tar" else copy_cat)(cl, name, container, todo, dest)
    print("%s: %d of %d files copied (%s) to %s" % (name, len(todo), len(files), how, dest))


STEPS = {"snapshot": do_snapshot, "status": do_status, "collect": do_collect}


def run(args):
    return for_each_pod(args, STEPS[args.cmd])
