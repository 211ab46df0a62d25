#!/usr/bin/env bash
# test_holders.sh - "who holds it" inside the real libccxtrace.so, with every
# CPython of tests/lib/pythons.sh (missing ones listed as skipped):
#   wl_holders.py reachable: the Broker pattern kept by hmonitor._errors
#     (module -> list (global _errors) -> ValueError -> traceback -> frame
#     of run_components (local broker) -> Broker), a cache dict keyed by
#     strings (global _cache, key user:N), objects held only by C references
#     (external-reference roots), a list held by a running function's local
#     (a "running frame local" root naming it), the search time recorded;
#   wl_holders.py cycle: the Broker cycle alone, every sampled instance
#     reported as cyclic garbage;
#   ccx-analyze diff on the reachable run's snapshots shows the collapsed
#     Broker path ("3 of 3 Broker instances: held by" ... "local broker");
#   the reachable workload once more under libccxtrace-ubsan.so;
#   wl_holders.py options (one CPython): the holders options as the option
#     table reads them, CCXTRACE_HOLDERS_TYPES with blanks and empty items,
#     CCXTRACE_HOLDERS=0 and 5 samples without a warning, then bad values
#     of the three: one "ccxtrace: CCXTRACE_X=..." line each on stderr
#     and the defaults (3 types by growth, 3 samples, no named type) used.
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
wl=$root/tests/integration/holders/wl_holders.py
types=Broker,Session,Holder,Item,Pending,Captured
fail=0 ran=0

run() {  # LABEL PY PRELOAD VARIANT
    local dir=$tmp/$1.$4.$(basename "$3" .so)
    mkdir -p "$dir"
    out=$(cd "$dir" && env CCXTRACE_DIR="$dir" CCXTRACE_HOLDERS_TYPES=$types CCXTRACE_SAMPLE=64k \
        CCXTRACE_AT_EXIT=0 PYTHONDONTWRITEBYTECODE=1 LD_PRELOAD="$3" \
        timeout -k 5 120 "$2" "$wl" "$4" 2>&1)
    rc=$?
    ran=$((ran + 1))
    if [ $rc = 0 ]; then
        echo "ok   $1 $4 $(basename "$3")"
    else
        echo "FAIL $1 $4 $(basename "$3") (exit $rc)"
        echo "$out" | tail -n 20 | sed 's/^/     /'
        fail=1
        return 1
    fi
    echo "$out" | grep -E '^  (holders|Broker|Session|Holder|Item):' | sed 's/^/     /' | head -n 5
    last_dir=$dir
}

while read -r label py; do
    if run "$label" "$py" "$lib" reachable && [ -x "$build/bin/ccx-analyze" ]; then
        snaps=$(ls "$last_dir"/ccxtrace.*.json | sort -t. -k5,5n)
        txt=$(env -u LD_PRELOAD "$build/bin/ccx-analyze" diff $snaps 2>&1)
        if echo "$txt" | grep -q "3 of 3 Broker instances: held by" &&
           echo "$txt" | grep -q "^      ._errors  *list of" &&
           echo "$txt" | grep -q "^      local broker  *Broker object"; then
            echo "ok   $label ccx-analyze diff shows who holds the Brokers"
        else
            echo "FAIL $label ccx-analyze diff does not show who holds the Brokers"
            echo "$txt" | sed -n '/Who holds them/,$p' | head -n 30 | sed 's/^/     /'
            fail=1
        fi
    fi
    run "$label" "$py" "$lib" cycle
done < <("$root/tests/lib/pythons.sh")
# UBSan build of the library, once (Debian's python3, else the first one).
ub=$build/lib/libccxtrace-ubsan.so
first=$("$root/tests/lib/pythons.sh" | awk '$2 == "/usr/bin/python3" {print; exit}')
[ -n "$first" ] || first=$("$root/tests/lib/pythons.sh" | head -n 1)
if [ -f "$ub" ] && [ -n "$first" ]; then
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 run ${first% *} ${first#* } "$ub" reachable
fi

opts() {  # LABEL PY WANT_TOP WANT_SAMPLES WANT_NAMED WANT_WARNINGS VAR=VALUE...
    local label=$1 py=$2 top=$3 samples=$4 named=$5 nwarn=$6 dir=$tmp/options.$1
    shift 6
    mkdir -p "$dir"
    # timeout outside the preload: only the CPython warns
    out=$(cd "$dir" && timeout -k 5 120 env CCXTRACE_DIR="$dir" CCXTRACE_SAMPLE=64k CCXTRACE_AT_EXIT=0 \
        PYTHONDONTWRITEBYTECODE=1 WL_TOP=$top WL_SAMPLES=$samples WL_NAMED=$named "$@" LD_PRELOAD="$lib" \
        "$py" "$wl" options 2>"$dir/stderr")
    rc=$?
    ran=$((ran + 1))
    warns=$(grep -c '^ccxtrace: CCXTRACE_HOLDERS' "$dir/stderr")
    if [ $rc = 0 ] && [ "$warns" = "$nwarn" ] && [ "$(grep -c 'ccxtrace: holders' "$dir/stderr")" = 0 ]; then
        echo "ok   options $label ($warns warnings)"
        echo "$out" | grep '^  samples' | sed 's/^/     /'
        grep '^ccxtrace: CCXTRACE_HOLDERS' "$dir/stderr" | sed 's/^/     /'
    else
        echo "FAIL options $label (exit $rc, $warns warnings, $nwarn expected)"
        { echo "$out"; cat "$dir/stderr"; } | tail -n 20 | sed 's/^/     /'
        fail=1
    fi
}
if [ -n "$first" ]; then
    py=${first#* }
    opts list "$py" 0 5 Broker,Session 0 CCXTRACE_HOLDERS=0 CCXTRACE_HOLDERS_SAMPLES=5 \
        "CCXTRACE_HOLDERS_TYPES= Broker , ,$(printf '\t')Session,"
    opts bad "$py" 3 3 "" 3 CCXTRACE_HOLDERS=65 CCXTRACE_HOLDERS_SAMPLES=21 \
        "CCXTRACE_HOLDERS_TYPES=Broker,$(printf 'T%s,' $(seq 17))"
    dir=$tmp/options.bad
    grep -qx 'ccxtrace: CCXTRACE_HOLDERS="65": must be a whole number from 0 to 64; using the default "3"' \
        "$dir/stderr" &&
    grep -qx 'ccxtrace: CCXTRACE_HOLDERS_SAMPLES="21": must be a whole number from 1 to 20; using the default "3"' \
        "$dir/stderr" &&
    grep -q '^ccxtrace: CCXTRACE_HOLDERS_TYPES="Broker,T1,.*": more than 16 type names; using the default "(none)"$' \
        "$dir/stderr" || { echo "FAIL options bad: the warning lines are not as expected"; fail=1; }
fi
"$root/tests/lib/pythons.sh" --missing | sed 's/^/skip /'
[ $ran = 0 ] && { echo "no CPython found"; exit 77; }
exit $fail
