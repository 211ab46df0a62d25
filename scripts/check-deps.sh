#!/usr/bin/env bash
# check-deps.sh PART SPEC... - called by make before building PART.
# Each SPEC is "debian-package:header:library" (header or library may be
# empty).  Prints the exact packages that are missing and exits 1, so a
# newcomer reads "install libcjson-dev" instead of a compiler error.
set -u
part=$1; shift
cc=${CC:-gcc}
missing=()
for spec in "$@"; do
    IFS=: read -r pkg header lib <<<"$spec"
    ok=1
    if [ -n "$header" ] && ! printf '#include <%s>\n' "$header" | "$cc" -E -x c - -o /dev/null 2>/dev/null; then
        ok=0; why="header <$header> not found"
    elif [ -n "$lib" ] && ! printf 'int main(void){return 0;}\n' | "$cc" -x c - -o /dev/null "-l$lib" 2>/dev/null; then
        ok=0; why="library -l$lib not found"
    fi
    [ $ok = 1 ] || missing+=("$pkg ($why)")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "make: cannot build $part: missing Debian package(s):" >&2
    for m in "${missing[@]}"; do echo "  $m" >&2; done
    echo "make: install them with: scripts/install-deps.sh (or apt-get install -y ${missing[*]%% *})" >&2
    exit 1
fi
exit 0
