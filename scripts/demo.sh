#!/usr/bin/env bash
# demo.sh - the README's main command (`make demo`).  Until the demo service
# exists (issue: end to end), it builds everything and says what is there.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD:-build}
echo "ccxtrace: built parts in $build/:"
found=0
for f in "$build"/lib/libccxtrace.so "$build"/bin/ccx-analyze "$build"/bin/ccx-driver; do
    if [ -e "$f" ]; then echo "  $f"; found=1; else echo "  $f (not built yet)"; fi
done
[ $found = 1 ] || echo "  only the shared definitions (common/) exist so far"
echo "The traced demo service comes with the end-to-end work; run 'make test' for the tests."
