#!/usr/bin/env bash
# test_file_mode.sh - CCXTRACE_FILE_MODE (issue 15): snapshots and the
# stats CSV get exactly the mode asked for (default 0600), under umask 077
# and 022 alike (fchmod, not open's mode, which the umask narrows); a bad
# value gives one line and 0600.
source "$(dirname "$0")/lib.sh"
build_prog api

n=0
# check UMASK MODE WANT: runs api with CCXTRACE_FILE_MODE=MODE (unset if
# "-") under UMASK; the snapshot and the stats CSV must be WANT.
check() {
    n=$((n + 1))
    local d=$CCX_TMP/d$n um=$1 mode=$2 want=$3
    mkdir -p "$d"
    (
        umask "$um"
        [ "$mode" = - ] || export CCXTRACE_FILE_MODE=$mode
        CCXTRACE_DIR=$d CCXTRACE_STATS_INTERVAL=100ms LD_PRELOAD=$LIB "$CCX_TMP/api" sleep 300
    ) >/dev/null 2>"$CCX_TMP/err"
    local snap csv
    snap=$(snapshots "$d" | tail -n 1)
    csv=$(ls "$d"/*.stats.csv 2>/dev/null)
    [ -n "$snap" ] && [ -n "$csv" ] || fail "umask $um, mode $mode: no snapshot or stats file: $(ls "$d")"
    [ "$(stat -c %a "$snap")" = "$want" ] || fail "umask $um, mode $mode: snapshot is $(stat -c %a "$snap"), want $want"
    [ "$(stat -c %a "$csv")" = "$want" ] || fail "umask $um, mode $mode: stats CSV is $(stat -c %a "$csv"), want $want"
    echo "umask $um, CCXTRACE_FILE_MODE=$mode: snapshot and stats CSV $want"
}

for um in 077 022; do
    check $um - 600
    check $um 0640 640
    check $um 644 644
    check $um 0666 666
    check $um 0755 600
    [ "$(wc -l <"$CCX_TMP/err")" = 1 ] &&
        grep -q '^ccxtrace: CCXTRACE_FILE_MODE="0755": must be an octal mode from 0600 to 0666 without execute bits .*; using the default "0600"$' "$CCX_TMP/err" ||
        fail "CCXTRACE_FILE_MODE=0755: want one line refusing it: $(cat "$CCX_TMP/err")"
    check $um u+rw 600
done
