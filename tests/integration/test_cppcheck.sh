#!/usr/bin/env bash
# test_cppcheck.sh - every C source of the project is cppcheck clean
# (warnings, style, performance, portability; no suppressions but the
# "missing system include" notes, which depend on the machine).
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
if ! command -v cppcheck >/dev/null; then
    echo "cppcheck not installed (scripts/install-deps.sh installs it)"
    exit 77
fi
dirs=$(ls -d common preload analyzer driver tests/unit 2>/dev/null)
out=$(cppcheck --quiet --error-exitcode=1 --enable=warning,style,performance,portability \
    --std=c11 --inline-suppr --suppress=missingIncludeSystem --suppress=unusedFunction \
    --suppress=unmatchedSuppression -D__GNUC__ -D_GNU_SOURCE -Icommon \
    $dirs 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
[ $rc = 0 ] && [ -z "$out" ] && echo "cppcheck: clean ($dirs)"
[ $rc = 0 ] && [ -z "$out" ]
