#!/usr/bin/env bash
# tests/bench/run.sh - `make bench`: runs every executable tests/bench/**/bench_*
# (each prints its own table of ratios against a baseline it measures in
# the same run; nothing here is a pass/fail timing assertion).
#   tests/bench/run.sh [--build DIR] [FILTER...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=build filters=()
while [ $# -gt 0 ]; do
    case $1 in
        --build) build=$2; shift 2 ;;
        *) filters+=("$1"); shift ;;
    esac
done
case $build in /*) ;; *) build=$root/$build ;; esac
export CCX_ROOT=$root CCX_BUILD=$build
status=0 ran=0
while IFS= read -r b; do
    name=${b#"$root"/tests/bench/}
    if [ ${#filters[@]} -gt 0 ]; then
        keep=0
        for f in "${filters[@]}"; do case $name in *"$f"*) keep=1 ;; esac; done
        [ $keep = 1 ] || continue
    fi
    echo "== $name"
    tmp=$(mktemp -d /tmp/ccxbench.XXXXXX)
    (cd "$root" && CCX_TMP=$tmp "$b") || { echo "bench $name failed (exit $?)"; status=1; }
    rm -rf "$tmp"
    ran=$((ran + 1))
done < <(find "$root/tests/bench" -type f -name 'bench_*' -perm -u+x | sort)
[ $ran -gt 0 ] || echo "no benchmarks yet"
exit $status
