#!/usr/bin/env bash
# test_check_deps.sh - make's dependency check names the exact Debian
# package that is missing, and passes when everything is present.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
fail=0
out=$(scripts/check-deps.sh demo-part libfoo-dev:no/such_header.h: libc6-dev:stdio.h:c libbar-dev::no_such_lib_xyz 2>&1)
rc=$?
[ $rc = 1 ] || { echo "expected exit 1, got $rc"; fail=1; }
echo "$out" | grep -q 'libfoo-dev (header <no/such_header.h> not found)' || { echo "libfoo-dev not named: $out"; fail=1; }
echo "$out" | grep -q 'libbar-dev (library -lno_such_lib_xyz not found)' || { echo "libbar-dev not named: $out"; fail=1; }
echo "$out" | grep -q 'libc6-dev' && { echo "a present package was named: $out"; fail=1; }
scripts/check-deps.sh demo-part libc6-dev:stdio.h:c >/dev/null 2>&1 || { echo "present package reported missing"; fail=1; }
# a real build directory with a missing header stops with that message
tmp=${CCX_TMP:-$(mktemp -d)}
out=$(make --no-print-directory -s BUILD="$tmp/b" CC="gcc -I/nonexistent" "$tmp/b/.deps/common" 2>&1)
[ $? = 0 ] || { echo "common deps failed: $out"; fail=1; }
exit $fail
