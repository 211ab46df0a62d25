"""drvtest.py - shared helpers of ccx-driver's integration tests: paths, a
validating ingress server in this process (tests/lib/ingress_server.py),
running the driver, and a tiny check/report vocabulary (exit 0 pass,
1 fail, 77 skip)."""

import json
import os
import subprocess
import sys

ROOT = os.environ.get("CCX_ROOT") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILD = os.environ.get("CCX_BUILD") or os.path.join(ROOT, "build")
TMP = os.environ.get("CCX_TMP") or "/tmp"
DRIVER = os.path.join(BUILD, "bin", "ccx-driver")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import ingress_server  # noqa: E402

# Requests go straight to 127.0.0.1, never through a proxy from the environment.
for var in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
    os.environ.pop(var, None)

failures = []


def check(cond, what):
    if cond:
        print("ok   %s" % what)
    else:
        print("FAIL %s" % what)
        failures.append(what)


def done():
    print("%d failed" % len(failures))
    sys.exit(1 if failures else 0)


def need_driver():
    if not os.access(DRIVER, os.X_OK):
        print("ccx-driver not built at %s (make BUILD=%s tools)" % (DRIVER, BUILD))
        sys.exit(77)


def server(**kw):
    """A started validating test server; kw as TestIngress (answer, stall, ...)."""
    return ingress_server.TestIngress(**kw).start()


def run(args, timeout=60, summary=True, env=None):
    """Runs ccx-driver; returns (exit status, stdout, stderr, summary dict or None)."""
    path = os.path.join(TMP, "summary.json")
    if os.path.exists(path):
        os.unlink(path)
    cmd = [DRIVER] + list(args)
    if summary and args and args[0] == "upload":
        cmd += ["--summary-json", path]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    doc = None
    if summary and os.path.exists(path):
        with open(path) as f:
            doc = json.load(f)
    sys.stdout.write("$ %s\n-> %d\n%s%s" % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.returncode, p.stdout, p.stderr, doc


def fast(url):
    """Options every test uses: small pool, small archives, no progress."""
    return ["upload", "--url", url, "--pool", "2", "--archive-size", "8k", "--quiet"]


def standin(*args):
    """Starts standin_tracer.py with args; returns the Popen once it is ready."""
    import time
    ready = os.path.join(TMP, "ready.%d" % len(failures) + str(time.time()))
    p = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                       "standin_tracer.py"), "--ready", ready] + list(args))
    deadline = time.time() + 20
    while not os.path.exists(ready) and time.time() < deadline and p.poll() is None:
        time.sleep(0.02)
    return p


# ---- the real tracer (tests that run libccxtrace.so itself) -------------

TRACER_LIB = os.path.join(BUILD, "lib", "libccxtrace.so")
# A Python service that keeps allocating for a minute.
SERVICE = "import time\nx = []\nend = time.time() + 60\nwhile time.time() < end:\n" \
          "    x.append(bytearray(4096)); time.sleep(0.01)\n"


def need_tracer():
    """Skip (exit 77) when libccxtrace.so is not built."""
    if not os.path.exists(TRACER_LIB):
        print("libccxtrace.so not built at %s" % TRACER_LIB)
        sys.exit(77)


def caught(pid):
    """The set of signals pid catches (SigCgt of /proc/PID/status)."""
    with open("/proc/%d/status" % pid) as f:
        cgt = int([l for l in f if l.startswith("SigCgt:")][0].split()[1], 16)
    return {s for s in range(1, 65) if (cgt >> (s - 1)) & 1}


def traced(snapdir, sig=12, **env):
    """SERVICE under the real tracer writing to snapdir, with env added;
    returned once the tracer's handler for sig (default SIGUSR2) is in."""
    import time
    e = dict(os.environ, LD_PRELOAD=TRACER_LIB, CCXTRACE_DIR=snapdir, **env)
    p = subprocess.Popen([os.path.realpath(sys.executable), "-c", SERVICE], env=e)
    deadline = time.time() + 15
    while time.time() < deadline and p.poll() is None:
        try:
            if sig in caught(p.pid):
                return p
        except (OSError, IndexError):
            pass
        time.sleep(0.05)
    return p


def snapshots_of(snapdir, pid):
    """(file name, parsed snapshot) of every snapshot pid wrote, by name."""
    out = []
    for name in sorted(os.listdir(snapdir)):
        if ".%d." % pid in name and name.endswith(".json"):
            with open(os.path.join(snapdir, name)) as f:
                out.append((name, json.load(f)))
    return out


def standin_lib():
    """Builds a tiny shared library named libccxtrace.so (no tracer inside)."""
    d = os.path.join(TMP, "standin-lib")
    os.makedirs(d, exist_ok=True)
    src = os.path.join(d, "standin.c")
    with open(src, "w") as f:
        f.write("int ccxtrace_standin(void) { return 1; }\n")
    lib = os.path.join(d, "libccxtrace.so")
    subprocess.run([os.environ.get("CC", "cc"), "-shared", "-fPIC", "-o", lib, src], check=True)
    return lib
