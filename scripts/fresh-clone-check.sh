#!/usr/bin/env bash
# fresh-clone-check.sh - runs the README's two commands in a fresh clone, the
# way a newcomer would: clone, then each command of the README's first ```sh
# block (scripts/install-deps.sh && make demo; scripts/install-deps.sh &&
# make test), each in its own fresh clone, and reports how each ended.
# Not part of `make test` (it runs `make test` itself).
#
#   scripts/fresh-clone-check.sh [--keep] [--only N] [SOURCE]
#
# SOURCE: what to clone (default: this checkout, its committed HEAD; the
# work tree's uncommitted changes are not included).  --only N runs just
# the Nth command (1 or 2).  --keep leaves the clones and logs in place.
# Exit status: 0 when every command succeeded, 1 otherwise, 2 usage error.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0 only= src=
while [ $# -gt 0 ]; do
    case $1 in
        --keep) keep=1; shift ;;
        --only) only=${2:-}; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fresh-clone-check: unknown option $1" >&2; exit 2 ;;
        *) src=$1; shift ;;
    esac
done
src=${src:-$root}
case $only in ''|1|2) ;; *) echo "fresh-clone-check: --only takes 1 or 2" >&2; exit 2 ;; esac

# The README's commands: the first ```sh block, comments removed.
mapfile -t cmds < <(awk '/^```sh/ { inb = 1; next } inb && /^```/ { exit } inb' "$root/README.md" \
                    | sed 's/[[:space:]]*#.*$//' | grep -v '^[[:space:]]*$')
[ ${#cmds[@]} -ge 1 ] || { echo "fresh-clone-check: no \`\`\`sh block in README.md" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/ccxtrace-fresh.XXXXXX")
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
rc=0 i=0
for c in "${cmds[@]}"; do
    i=$((i + 1))
    [ -z "$only" ] || [ "$only" = $i ] || continue
    clone=$work/clone$i
    git clone -q "$src" "$clone" || { echo "fresh-clone-check: cannot clone $src" >&2; exit 1; }
    echo "== [$i] $c   (in $clone, commit $(git -C "$clone" rev-parse --short HEAD))"
    start=$SECONDS
    (cd "$clone" && bash -c "$c") >"$work/command$i.log" 2>&1
    r=$?
    tail -n 15 "$work/command$i.log" | sed 's/^/   /'
    if [ $r = 0 ]; then
        echo "== [$i] passed in $((SECONDS - start)) s"
    else
        echo "== [$i] FAILED (exit $r) after $((SECONDS - start)) s; log: $work/command$i.log"
        rc=1
    fi
done
[ $keep = 1 ] && echo "clones and logs kept in $work"
exit $rc
