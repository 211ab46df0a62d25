#!/usr/bin/env bash
# test_prototypes.sh - every function used across files is declared in a
# header, once (scripts/check-prototypes): no prototype of a non-static
# function in a .c file, no function declared in two headers.  The build's
# -Wmissing-prototypes (analyzer/build.mk, driver/build.mk) then checks each
# definition against its one declaration.  First checks the script on files
# this test writes, so a script that reports nothing cannot pass.
set -u
cd "${CCX_ROOT:-$(dirname "$0")/../..}"
check=scripts/check-prototypes
command -v python3 >/dev/null || { echo "python3 not installed"; exit 77; }
fail=0

# --- the checker on ground truth
t=${CCX_TMP:-$(mktemp -d)}/sample
mkdir -p "$t"
cat >"$t/a.h" <<'C'
int twice(int x);
int (*hook)(void);
static inline int inl(void) { return 0; }
C
cat >"$t/b.h" <<'C'
int twice(int x);
C
cat >"$t/a.c" <<'C'
#include "a.h"
static int fwd(int);            /* a static forward declaration: allowed */
int late(const char *s);        /* a prototype in a .c file */
static_assert(sizeof(int) >= 2, "int");
int (*table[2])(void);
int twice(int x) { return fwd(x) + late("}"); }
static int fwd(int x) { return 2 * x; }
C
got=$($check "$t")
rc=$?
want="$t/a.c:3: late: prototype in a .c file (declare it in a header)
$t/b.h:1: twice: declared in more than one header (also $t/a.h:1)"
if [ $rc != 1 ] || [ "$got" != "$want" ]; then
    echo "FAIL checker on a sample: exit $rc, got:"; echo "$got"; echo "want:"; echo "$want"; fail=1
fi

# --- the project: every part (preload/ with its layer folders).
dirs=(preload analyzer driver)
out=$($check "${dirs[@]}")
rc=$?
if [ $rc != 0 ]; then
    echo "$out" | sed 's/^/FAIL /'
    fail=1
else
    echo "prototypes: every cross-file function of ${dirs[*]} declared once, in a header"
fi
exit $fail
