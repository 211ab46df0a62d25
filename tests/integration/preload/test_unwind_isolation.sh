#!/usr/bin/env bash
# test_unwind_isolation.sh - libunwind, loaded privately by the tracer, must
# not change how the host unwinds: a C++ program that throws and catches
# exceptions across frames (the exceptions' own allocations are unwound by
# the tracer in `all` mode) and a program calling glibc's backtrace()
# print the same with and without the tracer, and the unwinder symbols
# still come from libgcc_s / libc.
source "$(dirname "$0")/lib.sh"
command -v g++ >/dev/null || { echo "no g++"; exit 77; }
build_prog throw -ldl
build_prog bt -rdynamic -ldl
for prog in throw bt; do
    "$CCX_TMP/$prog" >"$CCX_TMP/$prog.plain" 2>&1 || fail "$prog fails untraced"
    for mode in all 512k; do
        for lib in "$LIB" "$UBSAN_LIB"; do
            [ "$lib" = "$UBSAN_LIB" ] && [ "$mode" = 512k ] && continue
            mkdir -p "$CCX_TMP/s.$prog.$mode"
            CCXTRACE_DIR=$CCX_TMP/s.$prog.$mode CCXTRACE_SAMPLE=$mode LD_PRELOAD=$lib "$CCX_TMP/$prog" \
                >"$CCX_TMP/$prog.traced" 2>&1 || fail "$prog fails under $(basename "$lib") ($mode)"
            diff "$CCX_TMP/$prog.plain" "$CCX_TMP/$prog.traced" ||
                fail "$prog behaves differently under $(basename "$lib") ($mode)"
        done
    done
    echo "$prog: identical output untraced and traced"
done
grep -q "_Unwind_RaiseException from libgcc_s" "$CCX_TMP/throw.plain" || fail "unexpected unwinder: $(head -3 "$CCX_TMP/throw.plain")"
grep -q "backtrace from libc.so" "$CCX_TMP/bt.plain" || fail "unexpected backtrace provider"
grep -q "level3" "$CCX_TMP/bt.plain" || fail "backtrace() did not see level3"
f=$(snapshots "$CCX_TMP/s.throw.all" | tail -n 1)
$CHECK valid "$f" || fail "invalid snapshot"
$CHECK frames "$f" | grep -q "^throw deep(int, int)$" || fail "the tracer's stacks miss deep(int, int) (demangled)"
$CHECK frames "$f" | grep -q "__cxa_allocate_exception" || fail "the tracer's stacks miss the exceptions' allocations"
cat "$CCX_TMP/throw.plain" | head -4
echo "ok"
