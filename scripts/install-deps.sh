#!/usr/bin/env bash
# install-deps.sh - installs every Debian package ccxtrace needs to build,
# test and benchmark, and nothing else.  Idempotent: when everything is
# present it only asks dpkg and returns in well under a second.
set -eu

# Build: the preload, the analyzer and the driver.
BUILD_PKGS="gcc g++ make pkg-config libc6-dev
  libunwind-dev uthash-dev libcurl4-openssl-dev libcjson-dev libarchive-dev zlib1g-dev"
# Tests: Debian's python3 (static libpython), clang and its runtimes for
# the fuzz target, cppcheck for lint, tools the tests call; chromium renders
# the HTML report headless (tests/integration/analyzer/test_report_html.py).
TEST_PKGS="python3 clang libclang-rt-14-dev cppcheck binutils tar gzip procps curl file chromium"
# Benchmarks: heaptrack as the reference tracer.
BENCH_PKGS="heaptrack time"  # time: /usr/bin/time measures peak RSS (bench_reader.py)
# Each part's own extra packages (one line per part; keep each to its line).
PRELOAD_PKGS="valgrind"
PYTHON_PKGS=""
ANALYZER_PKGS="golang-go"  # go tool pprof reads --format pprof in the tests
DRIVER_PKGS="libcurl4-openssl-dev libarchive-dev libcjson-dev python3-prometheus-client"
SCRIPTS_PKGS="python3-yaml"  # scripts/ccxtrace-k8s reads and writes manifests
# Container tests (tests/integration/containers/): podman with runc (crun
# refuses a cgroup v1 host), mmdebstrap for the offline stand-in images,
# podman-compose for the compose override; buildah and catatonit as podman
# uses them on Debian.
CONTAINER_PKGS="podman runc catatonit buildah mmdebstrap podman-compose uidmap"

want=$(echo $BUILD_PKGS $TEST_PKGS $BENCH_PKGS $PRELOAD_PKGS $PYTHON_PKGS $ANALYZER_PKGS $DRIVER_PKGS $SCRIPTS_PKGS $CONTAINER_PKGS)
missing=()
for p in $want; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all $(echo $want | wc -w) packages present"
    exit 0
fi
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "install-deps: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
