#!/usr/bin/env bash
# Stop the servers that start.sh started in DIR and delete DIR.
#   scripts/scale/stop.sh DIR
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

dir="${1:?usage: stop.sh DIR}"
[ -d "$dir" ] || exit 0
if [ -f "$dir/redis.pid" ]; then
  # The pid redis wrote itself: only our own server is stopped.
  kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
fi
if [ -f "$dir/pgdata/postmaster.pid" ]; then
  as_pg_user "$(pg_bin)/pg_ctl" -D "$dir/pgdata" -m fast -w -t 30 stop >/dev/null 2>&1 || true
fi
case "$dir" in
  /tmp/*|"${TMPDIR:-/tmp}"/*) rm -rf "$dir" ;;
  *) echo "scale: left $dir in place (not under a temporary directory)" ;;
esac
