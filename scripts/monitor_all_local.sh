#!/usr/bin/env bash
# monitor_all_local.sh - monitor_local.sh for the five ccx-messaging based
# containers of the local deployment (or the containers given), into one
# local_monitoring_YYYYMMDD_HHMMSS/ directory: start it before sending load.
#
#   scripts/monitor_all_local.sh [monitor_local.sh options] [CONTAINER...]
#
# Default containers: rules-uploader archive-sync archive-sync-ols
# multiplexor rules-processing.  Options and output: monitor_local.sh --help.
set -u
here=$(cd "$(dirname "$0")" && pwd)
DEFAULT_CONTAINERS="rules-uploader archive-sync archive-sync-ols multiplexor rules-processing"
args=() have_target=0
while [ $# -gt 0 ]; do
    case $1 in
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        --engine|--interval|--duration|--count|--meminfo-every|--tracer-dir|--output-dir|--out)
            args+=("$1" "${2-}"); shift; [ $# -gt 0 ] && shift ;;
        --pid|--pid=*) echo "monitor_all_local.sh: --pid belongs to monitor_local.sh" >&2; exit 2 ;;
        -*) args+=("$1"); shift ;;
        *) args+=("$1"); have_target=1; shift ;;
    esac
done
# shellcheck disable=SC2086
[ $have_target = 1 ] || args+=($DEFAULT_CONTAINERS)
exec "$here/monitor_local.sh" "${args[@]}"
