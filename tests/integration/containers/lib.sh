# shellcheck shell=bash
# lib.sh - the container tests' helper (sourced by test_*.sh here): checks
# that podman can run, builds the stand-in images once per machine and
# starts and cleans up containers.
#
# No registry is reachable, so the images are made offline:
#   base     Debian 12 minbase with python3 (mmdebstrap, from Debian's
#            mirror), imported with `podman import`;
#   service  the stand-in CCX image on it (images/service/Containerfile:
#            venv at /ccx-messaging-venv, console script ccx-messaging,
#            user 1001);
#   builder  the base with gcc, make and libunwind-dev
#            (images/builder.Containerfile), for `ccxtrace-image --builder`;
#   traced   the service image through `scripts/ccxtrace-image build`.
# Each is tagged localhost/ccxtrace-test/NAME:KEY, KEY a hash of its recipe
# (for traced: of the tracer's sources and the options), and kept in
# podman's storage: a machine builds each recipe once; older tags of the
# same name are removed when a new one is built.  A lock in the cache
# directory (/var/cache/ccxtrace-test, or ~/.cache/ccxtrace-test) keeps two
# tests from building the same image at once.  podman reads
# scripts/container/containers.conf unless CONTAINERS_CONF is set.
#
# Functions: ctr_init (exits 77 with the reason when podman cannot run a
# container), ctr_base_image, ctr_service_image, ctr_builder_image,
# ctr_traced_image [ccxtrace-image options], ctr_run NAME ARGS (podman run
# -d, removed at exit), ctr_wait_files DIR GLOB N SECONDS, ok, bad.
root=${CCX_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
ctr_dir=$root/tests/integration/containers
ctr_prefix=ccxtest-$$-
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
ctr_skip() { echo "$*"; exit 77; }
ctr_now() { date +%s.%N; }
ctr_secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

ctr_cleanup() {  # the containers ctr_run started (by their names' prefix)
    local n
    for n in $(podman ps -a --format '{{.Names}}' | grep "^$ctr_prefix"); do podman rm -f -t 0 "$n" >/dev/null 2>&1; done
}

# Containers and compose networks a killed test left (named ccxtest-PID- or
# ccxtestPID_ by a test whose process is gone) are removed.
ctr_stale() {
    local n p
    for n in $(podman ps -a --format '{{.Names}}' | grep -E '^ccxtest-?[0-9]+[-_]'); do
        p=$(echo "$n" | sed -E 's/^ccxtest-?([0-9]+)[-_].*/\1/')
        kill -0 "$p" 2>/dev/null || podman rm -f -t 0 "$n" >/dev/null 2>&1
    done
    for n in $(podman network ls --format '{{.Name}}' | grep -E '^ccxtest[0-9]+_default$'); do
        p=$(echo "$n" | sed -E 's/^ccxtest([0-9]+)_.*/\1/')
        kill -0 "$p" 2>/dev/null || podman network rm -f "$n" >/dev/null 2>&1
    done
}

ctr_init() {
    export CONTAINERS_CONF=${CONTAINERS_CONF:-$root/scripts/container/containers.conf}
    command -v podman >/dev/null 2>&1 || ctr_skip "podman not installed (scripts/install-deps.sh installs it)"
    local err
    err=$(podman info 2>&1 >/dev/null) || ctr_skip "podman info fails: $(echo "$err" | tail -n 1)"
    if [ "$(id -u)" = 0 ]; then ctr_cache=/var/cache/ccxtrace-test
    else ctr_cache=${XDG_CACHE_HOME:-$HOME/.cache}/ccxtrace-test; fi
    mkdir -p "$ctr_cache" || ctr_skip "cannot create the image cache directory $ctr_cache"
    command -v mmdebstrap >/dev/null 2>&1 || ctr_skip "mmdebstrap not installed (scripts/install-deps.sh installs it)"
    trap ctr_cleanup EXIT
    trap 'exit 143' TERM INT   # the runner's timeout: still clean up
    ctr_stale
    local base
    base=$(ctr_base_image) || exit 1
    err=$(podman run --rm --network none "$base" true 2>&1) \
        || ctr_skip "podman cannot run a container here: $(echo "$err" | tail -n 1)"
}

ctr_key() { sha256sum | cut -c1-16; }

# Holds the cache lock while building; prunes the older tags of the name.
ctr_have_or_build() {  # NAME KEY BUILD-FUNCTION -> echoes the tag
    local name=localhost/ccxtrace-test/$1 key=$2 fn=$3 t0
    if podman image exists "$name:$key"; then echo "$name:$key"; return 0; fi
    exec 9>"$ctr_cache/lock"
    flock 9
    if ! podman image exists "$name:$key"; then
        t0=$(ctr_now)
        echo "building $name:$key (once per machine; log in $ctr_cache/$1.log)" >&2
        if ! "$fn" "$name:$key" >"$ctr_cache/$1.log" 2>&1; then
            echo "FAIL: building $name:$key failed; the end of $ctr_cache/$1.log:" >&2
            tail -n 20 "$ctr_cache/$1.log" >&2
            flock -u 9; return 1
        fi
        echo "built $name:$key in $(ctr_secs "$t0" "$(ctr_now)") s" >&2
        { grep -v "^$name:" "$ctr_cache/current" 2>/dev/null; echo "$name:$key"; } >"$ctr_cache/current.new" \
            && mv "$ctr_cache/current.new" "$ctr_cache/current"
        ctr_prune
    fi
    flock -u 9
    echo "$name:$key"
}

# The base: Debian 12 minbase with python3, without documentation, manual
# pages and translations (30-150 s here, depending on the mirror and load).
# Removes the stand-in images no current recipe names (an older base, a
# traced image of older sources), children first, and untagged leftovers.
ctr_prune() {
    local t keep
    for _ in 1 2 3; do   # children first: a parent goes once they are gone
        for t in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference='localhost/ccxtrace-test/*'); do
            keep=0
            while read -r cur; do case $t in "$cur"|"$cur"-ccxtrace) keep=1 ;; esac; done <"$ctr_cache/current"
            [ $keep = 1 ] || podman rmi "$t" >/dev/null 2>&1
        done
    done
    podman image prune -f >/dev/null 2>&1
}

CTR_MMDEBSTRAP=(mmdebstrap --variant=minbase --include=python3 --aptopt='Acquire::Languages "none"'
    --dpkgopt=force-unsafe-io --dpkgopt='path-exclude=/usr/share/man/*'
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' bookworm)
CTR_BASE_PATH='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
ctr_build_base() {
    command -v mmdebstrap >/dev/null || { echo "mmdebstrap not installed (scripts/install-deps.sh)"; return 1; }
    local d rc
    d=$(mktemp -d "${TMPDIR:-/tmp}/ccxtrace-base.XXXXXX")
    "${CTR_MMDEBSTRAP[@]}" "$d/rootfs.tar" && podman import --change "$CTR_BASE_PATH" "$d/rootfs.tar" "$1"
    rc=$?
    rm -rf "$d"
    return $rc
}
ctr_base_image() {
    ctr_have_or_build base "$(printf '%s\n' "${CTR_MMDEBSTRAP[@]}" "$CTR_BASE_PATH" | ctr_key)" ctr_build_base
}

ctr_build_from() {  # TAG CONTAINERFILE CONTEXT: podman build on the base image
    podman build --network host -f "$2" --build-arg "BASE_IMAGE=$ctr_base" -t "$1" "$3"
}
ctr_build_service() { ctr_build_from "$1" "$ctr_dir/images/service/Containerfile" "$ctr_dir/images/service"; }
ctr_build_builder() { ctr_build_from "$1" "$ctr_dir/images/builder.Containerfile" "$ctr_dir/images"; }
ctr_service_image() {
    ctr_base=$(ctr_base_image) || return 1
    ctr_have_or_build service "$( { echo "$ctr_base"; cd "$ctr_dir/images/service" && find . -type f | LC_ALL=C sort | xargs cat; } | ctr_key)" ctr_build_service
}
ctr_builder_image() {
    ctr_base=$(ctr_base_image) || return 1
    ctr_have_or_build builder "$( { echo "$ctr_base"; cat "$ctr_dir/images/builder.Containerfile"; } | ctr_key)" ctr_build_builder
}

# The service image through scripts/ccxtrace-image build, with the given
# options; keyed by the tracer's sources, the options and both images.
ctr_traced_opts=()
ctr_build_traced() {
    "$root/scripts/ccxtrace-image" build --engine podman --builder "$ctr_builder" --tag "$1" \
        "${ctr_traced_opts[@]}" "$ctr_service"
}
ctr_traced_image() {
    ctr_service=$(ctr_service_image) || return 1
    ctr_builder=$(ctr_builder_image) || return 1
    ctr_traced_opts=("$@")
    local key
    key=$( { echo "$ctr_service $ctr_builder $*"
             cd "$root" && find Makefile common preload scripts/check-deps.sh scripts/ccxtrace-image scripts/container \
                 -type f | LC_ALL=C sort | xargs cat; } | ctr_key)
    ctr_have_or_build traced "$key" ctr_build_traced
}

ctr_run() {  # NAME PODMAN-RUN-ARGS...: a detached container, removed at exit
    local n=$ctr_prefix$1; shift
    podman run -d --name "$n" "$@" >/dev/null || { bad "podman run $n $*"; return 1; }
    echo "$n"
}

ctr_start_service() {  # NAME IMAGE PODMAN-RUN-ARGS... -> container name, once the service printed "ready"
    local n=$1 img=$2 c i; shift 2
    c=$(ctr_run "$n" --network none "$@" "$img" ccx-messaging config.yaml) || return 1
    for i in $(seq 100); do podman logs "$c" 2>/dev/null | grep -q '^ready$' && break; sleep 0.1; done
    echo "$c"
}

ctr_stop_timed() {  # GRACE CONTAINER -> "EXIT-STATUS SECONDS" of `podman stop -t GRACE`
    local t0 t1
    t0=$(ctr_now)
    podman stop -t "$1" "$2" >/dev/null 2>&1
    t1=$(ctr_now)
    echo "$(podman inspect -f '{{.State.ExitCode}}' "$2") $(ctr_secs "$t0" "$t1")"
}

# GRACE UNTRACED TRACED WHAT: stops both at once (both see the same load)
# and checks they end alike: the same exit status, 137 (SIGKILL: the
# stand-in, like the service, handles no SIGTERM as pid 1), and neither
# before the stop timeout.  WHAT names the traced set-up in the printed line.
ctr_stop_pair_alike() {
    local grace=$1 ucode usecs tcode tsecs s pu pt
    ctr_stop_timed "$grace" "$2" >"$CCX_TMP/u" & pu=$!
    ctr_stop_timed "$grace" "$3" >"$CCX_TMP/t" & pt=$!
    wait $pu $pt
    read -r ucode usecs <"$CCX_TMP/u"
    read -r tcode tsecs <"$CCX_TMP/t"
    echo "untraced: exit $ucode after ${usecs} s; $4: exit $tcode after ${tsecs} s (stop timeout ${grace} s)"
    [ "$ucode" = "$tcode" ] && ok "same exit status $ucode" || bad "exit status: untraced $ucode, traced $tcode"
    [ "$ucode" = 137 ] || bad "the untraced service did not end by SIGKILL (exit $ucode): the stand-in is not like the service"
    for s in "$usecs" "$tsecs"; do
        awk -v s="$s" -v g="$grace" 'BEGIN { exit !(s >= g) }' || bad "a stop took ${s} s, less than the ${grace} s timeout: SIGTERM ended it"
    done
}

ctr_wait_files() {  # DIR GLOB N SECONDS: until DIR holds N files matching GLOB
    local i=0 max=$(($4 * 10))
    while [ $i -lt $max ]; do
        # shellcheck disable=SC2086
        [ "$(cd "$1" && ls -1 $2 2>/dev/null | wc -l)" -ge "$3" ] && return 0
        sleep 0.1; i=$((i + 1))
    done
    return 1
}
