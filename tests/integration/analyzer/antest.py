"""antest.py - what the analyzer's integration tests share: where the
checkout, the build and ccx-analyze are, the test's temporary directory,
and the check/finish vocabulary (a FAIL line per failed check; exit 1 when
any failed, 0 otherwise; the last line counts them)."""
import os
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
root = os.environ.get("CCX_ROOT", os.path.abspath(os.path.join(HERE, "../../..")))
build = os.environ.get("CCX_BUILD", os.path.join(root, "build"))
tool = os.path.join(build, "bin", "ccx-analyze")
tmp = os.environ.get("CCX_TMP") or tempfile.mkdtemp()

_failures = 0


def need_tool():
    """Fails the test at once when ccx-analyze is not built."""
    if not os.access(tool, os.X_OK):
        print("FAIL: %s not built" % tool)
        sys.exit(1)


def check(cond, what):
    """Counts and prints a failed check; returns cond."""
    global _failures
    if not cond:
        _failures += 1
        print("FAIL:", what)
    return cond


def finish():
    """The last line and the exit status."""
    print("%d failures" % _failures)
    sys.exit(1 if _failures else 0)
