#!/usr/bin/env bash
# Start a throwaway PostgreSQL and Redis on 127.0.0.1, on free ports, with their data in DIR.
# Writes DIR/env with DATABASE_URL and RATELIMIT_STORAGE_URI (source it), and DIR/pids.
#   scripts/scale/start.sh DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/lib.sh"

dir="${1:?usage: start.sh DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
bin="$(pg_bin)"

# --- PostgreSQL ---------------------------------------------------------------------------
pg_data="$dir/pgdata"
pg_port="$(free_port)"
mkdir -p "$pg_data"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres: "$dir" "$pg_data"
fi
chmod 700 "$pg_data"
# trust on loopback only: the server lives for one test run, listens on 127.0.0.1 alone, and its
# socket directory is private to this run.
as_pg_user "$bin/initdb" -D "$pg_data" -U talon_desk --auth=trust --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_pg_user "$bin/pg_ctl" -D "$pg_data" -l "$dir/postgres.log" -w -t 60 start \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories='$pg_data' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  >/dev/null || { cat "$dir/postgres.log" >&2; exit 1; }
as_pg_user "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U talon_desk talon_desk

# --- Redis --------------------------------------------------------------------------------
redis_port="$(free_port)"
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
  --dir "$dir" --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
for _ in $(seq 1 100); do
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null | grep -q PONG; then break; fi
  sleep 0.1
done
redis-cli -h 127.0.0.1 -p "$redis_port" ping | grep -q PONG

cat >"$dir/env" <<ENV
export DATABASE_URL=postgresql+psycopg://talon_desk@127.0.0.1:$pg_port/talon_desk
export RATELIMIT_STORAGE_URI=redis://127.0.0.1:$redis_port/0
export SCALE_PG_DATA=$pg_data
export SCALE_PG_BIN=$bin
ENV
echo "scale: PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port (data in $dir)"
