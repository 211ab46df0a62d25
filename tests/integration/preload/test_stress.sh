#!/usr/bin/env bash
# test_stress.sh - progs/stress.c (4 threads mixing every interposed
# function, SIGUSR2 snapshots every 10 ms, forked children that allocate
# and exit) under the tracer in `all` mode, under the UBSan build of the
# tracer, and sampled: no crash, no deadlock (the runner's timeout), no
# corrupted block, no partial or leftover file, every snapshot complete;
# in `all` mode the exit snapshot's live blocks per allocating function
# equal the program's own count.
source "$(dirname "$0")/lib.sh"
build_prog stress
run() { # NAME LIB MODE OPS FORKS
    local d=$CCX_TMP/$1
    mkdir -p "$d"
    UBSAN_OPTIONS=print_stacktrace=1 CCXTRACE_ONLY=stress CCXTRACE_DIR=$d CCXTRACE_SAMPLE=$3 LD_PRELOAD=$2 \
        timeout 120 "$CCX_TMP/stress" "$4" "$5" >"$d.out" 2>"$d.err"
    local st=$?
    [ $st = 0 ] || fail "$1: exit status $st; $(tail -5 "$d.err") $(tail -1 "$d.out")"
    grep -v '^$' "$d.err" && fail "$1: unexpected stderr"
    ls "$d" | grep -v '\.json$' && fail "$1: leftover files"
    local n
    n=$(ls "$d" | wc -l)
    $CHECK valid "$d"/*.json >/dev/null || fail "$1: invalid snapshot"
    # the parent: the pid with the most snapshots; its last one is the exit one
    local pid last
    pid=$(ls "$d" | awk -F. '{ print $3 }' | sort | uniq -c | sort -rn | head -n 1 | awk '{ print $2 }')
    last=$(snapshots "$d" | grep "\.$pid\." | tail -n 1)
    [ "$($CHECK field "$last" reason)" = exit ] || fail "$1: last snapshot is not the exit one"
    local kids
    kids=$(ls "$d" | awk -F. '{ print $3 }' | sort -u | grep -vc "^$pid$")
    echo "$1: $n complete snapshots ($kids from children), $(grep ^errors "$d.out")"
    [ "$kids" = "$5" ] || fail "$1: want one exit snapshot per child"
    if [ "$3" = all ]; then
        while read -r _ fn want; do
            read -r lb lk rest <<<"$($CHECK site "$last" "$fn")"
            [ "$lk" = "$want" ] || fail "$1: $fn has $lk live blocks in the snapshot, the program counts $want"
        done < <(grep '^live ' "$d.out")
        echo "$1: live blocks of all $(grep -c '^live ' "$d.out") allocating functions match"
    fi
}
run all "$LIB" all 100000 20
run sampled "$LIB" 64k 100000 10
if [ -f "$UBSAN_LIB" ]; then
    run ubsan "$UBSAN_LIB" all 30000 10
else
    echo "skipped: no $UBSAN_LIB"
fi
echo "ok"
