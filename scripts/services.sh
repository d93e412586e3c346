#!/usr/bin/env bash
# Start PostgreSQL and Redis for the distributed ledger/worker tests, on 127.0.0.1 only; idempotent.
#
#   eval "$(scripts/services.sh)"     # installs (Debian, as root) and starts them, then exports
#                                     # BRIDGE_TEST_POSTGRES_URL and BRIDGE_TEST_REDIS_URL
#   scripts/services.sh stop          # stops both
#
# PostgreSQL runs as the postgres user from a throwaway cluster under $BRIDGE_SERVICES_DIR (trust auth,
# listening on 127.0.0.1 only); Redis runs daemonised on 127.0.0.1. Everything but the exports goes to stderr.
set -euo pipefail

dir="${BRIDGE_SERVICES_DIR:-/tmp/bridge-services}"
pg_port="${BRIDGE_SERVICES_PG_PORT:-55432}"
redis_port="${BRIDGE_SERVICES_REDIS_PORT:-56379}"
log() { echo "services.sh: $*" >&2; }

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$d" ] && echo "$d"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install() {
  if [ -n "$(pg_bin)" ] && command -v redis-server >/dev/null; then return; fi
  if [ "$(id -u)" != 0 ]; then
    log "PostgreSQL or Redis is missing and this is not root: apt-get install postgresql redis-server"; exit 1
  fi
  log "installing postgresql and redis-server (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q postgresql redis-server >&2
}

start_postgres() {
  local bin data
  bin=$(pg_bin)
  data="$dir/pg"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  if [ ! -f "$data/PG_VERSION" ]; then
    log "creating a throwaway PostgreSQL cluster in $data"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >&2
  fi
  if as_postgres "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    log "PostgreSQL already running on 127.0.0.1:$pg_port"
  else
    as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 start \
      -o "-h 127.0.0.1 -p $pg_port -k $data -c max_connections=200 -c fsync=off" >&2
  fi
  "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -t 30 >&2
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    log "Redis already running on 127.0.0.1:$redis_port"
    return
  fi
  mkdir -p "$dir/redis"
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --dir "$dir/redis" \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --save "" --appendonly no >&2
  for _ in $(seq 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && return
    sleep 0.1
  done
  log "Redis did not answer on 127.0.0.1:$redis_port (see $dir/redis/redis.log)"; exit 1
}

stop() {
  local bin
  bin=$(pg_bin || true)
  if [ -n "$bin" ] && [ -f "$dir/pg/PG_VERSION" ]; then as_postgres "$bin/pg_ctl" -D "$dir/pg" -m fast stop >&2 || true; fi
  redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
  log "stopped"
}

if [ "${1:-start}" = stop ]; then stop; exit 0; fi
install
start_postgres
start_redis
echo "export BRIDGE_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:$pg_port/postgres"
echo "export BRIDGE_TEST_REDIS_URL=redis://127.0.0.1:$redis_port"
