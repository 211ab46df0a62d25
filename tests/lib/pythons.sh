#!/usr/bin/env bash
# tests/lib/pythons.sh - the CPython interpreters the tests run against.
# Prints one line per interpreter present: "<label> <path>", for pyenv's
# 3.9-3.13 (shared libpython) and Debian's /usr/bin/python3 (static
# libpython).  With --missing, prints one line per version that is absent.
# Source it or run it; tests loop over its output and report each skip.
set -u
root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
mode=${1:-}
for v in 3.9 3.10 3.11 3.12 3.13; do
    found=
    for d in $(ls -d "$root"/versions/"$v".* 2>/dev/null | sort -V | tail -n 1); do
        [ -x "$d/bin/python$v" ] && found="$d/bin/python$v"
    done
    if [ -n "$found" ]; then
        [ "$mode" = --missing ] || echo "pyenv-$v $found"
    else
        [ "$mode" = --missing ] && echo "pyenv-$v missing (no $root/versions/$v.*)"
    fi
done
if [ -x /usr/bin/python3 ]; then
    [ "$mode" = --missing ] || echo "debian-$(/usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])') /usr/bin/python3"
else
    [ "$mode" = --missing ] && echo "debian-python3 missing (no /usr/bin/python3)"
fi
exit 0
