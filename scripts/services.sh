#!/usr/bin/env bash
# services.sh: private PostgreSQL + Redis on 127.0.0.1 for this project (no Docker, no system services).
#
#   eval "$(bash scripts/services.sh start DIR [durable|fast])"  # prints export lines (DATABASE_URL, REDIS_URL, SVC_DIR)
#   bash scripts/services.sh stop DIR [--purge]                   # clean shutdown; --purge deletes DIR
#   bash scripts/services.sh restart-pg DIR | restart-redis DIR | kill-redis DIR | start-redis DIR   # fault tests
#
# Installs the Debian packages `postgresql` and `redis-server` when they are missing (as root).
# Data lives in DIR (a project folder such as .data/demo); ports are chosen once and kept in DIR/ports
# so a restarted server comes back on the same address.
set -euo pipefail

PG_OS_USER=${PG_OS_USER:-postgres}
PG_DB=${PG_DB:-gateway}

log() { echo "[services] $*" >&2; }

ensure_packages() {
  local need=()
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
  command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
  [ ${#need[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${need[*]} (run as root, or: sudo apt-get install -y ${need[*]})"; exit 1
  fi
  log "installing ${need[*]} (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
}

pgbin() { ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_OS_USER" -- "$@"; else "$@"; fi; }
# PostgreSQL's data lives in DIR/pg unless the postgres OS user cannot reach DIR (a clone under a
# private 0700 directory, as mktemp makes); then in /var/tmp, and DIR/pgdir records where.
pg_dir() { cat "$1/pgdir"; }
choose_pg_dir() {
  local dir=$1
  [ -f "$dir/pgdir" ] && return 0
  if [ "$(id -u)" -ne 0 ] || runuser -u "$PG_OS_USER" -- test -x "$dir"; then echo "$dir/pg" > "$dir/pgdir"
  else
    local alt; alt=$(mktemp -d /var/tmp/fhir-gateway-pg.XXXXXX); chmod 755 "$alt"; chown "$PG_OS_USER" "$alt"
    echo "$alt" > "$dir/pgdir"
  fi
}
free_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

pg_start() {
  local dir=$1 mode=$2 port; port=$(cut -d' ' -f1 "$dir/ports")
  local pg; pg=$(pg_dir "$dir")
  local opts="-c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg -c max_connections=200"
  # fast (tests, bench): no fsync, but synchronous_commit stays on, so a commit has reached the OS
  # before the gateway acknowledges: the fault suite's immediate PostgreSQL stop must never lose an
  # acknowledged record (with synchronous_commit=off it loses the last ~200 ms of commits).
  [ "$mode" = fast ] && opts="$opts -c fsync=off -c full_page_writes=off"
  as_pg "$(pgbin)/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w -t 60 -o "-p $port $opts" start >/dev/null \
    || { tail -20 "$pg/server.log" >&2; exit 1; }
}

pg_stop() {
  local dir=$1 how=${2:-fast} pg; pg=$(pg_dir "$dir" 2>/dev/null) || return 0
  [ -f "$pg/data/postmaster.pid" ] && as_pg "$(pgbin)/pg_ctl" -D "$pg/data" -m "$how" -w -t 60 stop >/dev/null 2>&1 || true
}

redis_start() {
  local dir=$1 mode=$2 port; port=$(cut -d' ' -f2 "$dir/ports")
  local persist=(--appendonly yes --appendfsync everysec)
  [ "$mode" = fast ] && persist=(--appendonly no --save '')
  redis-server --port "$port" --bind 127.0.0.1 "${persist[@]}" --daemonize yes --dir "$dir/redis" \
    --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" >/dev/null
  for _ in $(seq 100); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0; sleep 0.05; done
  tail -20 "$dir/redis/redis.log" >&2; exit 1
}

redis_stop() {
  local dir=$1 sig=${2:-TERM}
  [ -f "$dir/redis/redis.pid" ] || return 0
  kill "-$sig" "$(cat "$dir/redis/redis.pid")" 2>/dev/null || true
  [ "$sig" = KILL ] && rm -f "$dir/redis/redis.pid"
  # Redis removes its pidfile on clean exit; poll that (a daemonized child can linger as a zombie).
  for _ in $(seq 200); do [ -f "$dir/redis/redis.pid" ] || return 0; sleep 0.05; done
}

start() {
  local dir=$1 mode=${2:-durable}
  ensure_packages
  mkdir -p "$dir/pg" "$dir/redis"; dir=$(cd "$dir" && pwd)
  chmod 755 "$dir" "$dir/pg"; [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$dir/pg"
  choose_pg_dir "$dir"; local pg; pg=$(pg_dir "$dir")
  [ -f "$dir/ports" ] || echo "$(free_port) $(free_port)" > "$dir/ports"
  [ -f "$dir/secret" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 24 > "$dir/secret"
  local secret; secret=$(cat "$dir/secret")
  if [ ! -f "$pg/data/PG_VERSION" ]; then
    local pwfile="$pg/.pw"; echo "$secret" > "$pwfile"; [ "$(id -u)" -eq 0 ] && chown "$PG_OS_USER" "$pwfile"
    as_pg "$(pgbin)/initdb" -D "$pg/data" -U postgres --pwfile="$pwfile" --auth-local=trust \
      --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    rm -f "$pwfile"
    pg_start "$dir" "$mode"
    as_pg "$(pgbin)/psql" -h "$pg" -p "$(cut -d' ' -f1 "$dir/ports")" -U postgres -d postgres -qAt \
      -c "CREATE DATABASE $PG_DB" >/dev/null
  else
    pg_stop "$dir"; pg_start "$dir" "$mode"
  fi
  redis_stop "$dir"; redis_start "$dir" "$mode"
  echo "$mode" > "$dir/mode"
  local pgport rport; read -r pgport rport < "$dir/ports"
  cat <<OUT | tee "$dir/env.sh"
export SVC_DIR=$dir
export DATABASE_URL=postgres://postgres:$secret@127.0.0.1:$pgport/$PG_DB
export REDIS_URL=redis://127.0.0.1:$rport
OUT
}

stop() {
  local dir=$1
  [ -d "$dir" ] || return 0
  pg_stop "$dir"; redis_stop "$dir"
  if [ "${2:-}" = --purge ]; then
    local pg; pg=$(pg_dir "$dir" 2>/dev/null) && [ "$pg" != "$dir/pg" ] && rm -rf "$pg"
    rm -rf "$dir"
  fi
  return 0
}

cmd=${1:-}; shift || true
case "$cmd" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  restart-pg) pg_stop "$1" "${2:-immediate}"; pg_start "$1" "$(cat "$1/mode")" ;;
  stop-pg) pg_stop "$1" "${2:-immediate}" ;;
  start-pg) pg_start "$1" "$(cat "$1/mode")" ;;
  restart-redis) redis_stop "$1" KILL; redis_start "$1" "$(cat "$1/mode")" ;;
  kill-redis) redis_stop "$1" KILL ;;
  start-redis) redis_start "$1" "$(cat "$1/mode")" ;;
  *) echo "usage: $0 start DIR [durable|fast] | stop DIR [--purge] | restart-pg|stop-pg|start-pg|restart-redis|kill-redis|start-redis DIR" >&2; exit 2 ;;
esac
