#!/usr/bin/env bash
# test_py_fork_output.sh - the tracer never shows in a forking program's
# output (issue 14).  CPython 3.12+ warns after os.fork() when it counts
# more than one thread in the process; the helper thread steps aside
# around such forks.  On every interpreter present (tests/lib/pythons.sh),
# wl_fork_warn.py's cases (one fork, 50 in a loop, multiprocessing with
# the fork start method, subprocess, after_in_parent callbacks), with -W
# default and with warnings.catch_warnings(record=True): stdout, stderr
# and exit status traced are byte-identical to untraced.  Each case runs
# ROUNDS times (default 3: the helper's timing differs from run to run).
set -u
. "$(dirname "$0")/../../lib/needlib.sh"
wl=$root/tests/integration/python/wl_fork_warn.py
rounds=${ROUNDS:-3}
"$root/tests/lib/pythons.sh" --missing
fail=0 n=0
while read -r label py; do
    for case in single loop mp sub hooks; do
        for rec in "" record; do
            want=$(cd "$tmp" && "$py" -W default "$wl" $case $rec 2>&1; echo "exit $?")
            for r in $(seq "$rounds"); do
                got=$(cd "$tmp" && CCXTRACE_DIR=$tmp CCXTRACE_AT_EXIT=0 LD_PRELOAD=$lib "$py" -W default "$wl" $case $rec 2>&1; echo "exit $?")
                n=$((n + 1))
                if [ "$got" != "$want" ]; then
                    echo "FAIL $label $case ${rec:-default} (round $r): traced output differs"
                    diff <(echo "$want") <(echo "$got") | head -n 8
                    fail=1
                fi
            done
        done
    done
    echo "$label: all cases identical traced and untraced"
done < <("$root/tests/lib/pythons.sh")
[ $n -gt 0 ] || { echo "no interpreter to run"; exit 77; }
echo "$n traced runs compared"
exit $fail
