# tests/lib/needlib.sh - the preamble of every test or benchmark that
# preloads the built library.  Sourced, it sets
#   root   the checkout (CCX_ROOT, else the one this file is in)
#   build  the build directory (CCX_BUILD, else $root/build)
#   lib    $build/lib/libccxtrace.so
#   tmp    scratch (CCX_TMP, which tests/run.sh and tests/bench/run.sh
#          give each script and remove afterwards, else a new directory)
# and, when the library is not built, says so in one line and exits with
# NEEDLIB_ABSENT (default 77, the runner's "skipped").
#   . "$(dirname "$0")/../../lib/needlib.sh"
root=${CCX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
build=${CCX_BUILD:-$root/build}
lib=$build/lib/libccxtrace.so
tmp=${CCX_TMP:-$(mktemp -d)}
if [ ! -f "$lib" ]; then
    echo "libccxtrace.so not built ($lib)"
    exit "${NEEDLIB_ABSENT:-77}"
fi
