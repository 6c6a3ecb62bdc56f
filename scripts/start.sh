#!/usr/bin/env bash
# npm start: gateway + linkage worker in one process, with private PostgreSQL + Redis under
# $START_DATA_DIR (default .data/demo; installed from Debian packages when missing) unless
# DATABASE_URL and REDIS_URL are set. Demo API keys are enabled (DEMO=1) unless DEMO=0 is given.
# Stop with Ctrl-C or SIGTERM.
#
# Whenever the gateway ends — a clean stop, a crash (exit code ≠ 0), SIGKILL of the node process,
# SIGINT/SIGTERM/SIGHUP to this script — the PostgreSQL and Redis this script started are stopped
# before it exits, and it exits with the gateway's status. (Only SIGKILL of this script itself can
# leave them running: `bash scripts/services.sh stop DIR` stops them then.)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund

svc_dir=""
child=""
stop_services() { [ -z "$svc_dir" ] || bash scripts/services.sh stop "$svc_dir" || true; }
# The EXIT trap runs with errexit off: a failed `kill` of a gateway that is already gone must not
# end the trap before the services are stopped (it did under `set -e`).
cleanup() {
  set +e
  trap '' INT TERM HUP  # a second Ctrl-C must not cut the shutdown short
  if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null
    for _ in $(seq 300); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$child" 2>/dev/null
  fi
  stop_services
}
trap cleanup EXIT
trap 'exit 143' INT TERM HUP  # a signal while the services start still runs cleanup

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  svc_dir=${START_DATA_DIR:-.data/demo}
  env_lines=$(bash scripts/services.sh start "$svc_dir" durable)
  eval "$env_lines"
  svc_dir=$SVC_DIR
  echo "[start] PostgreSQL and Redis running with data in $SVC_DIR" >&2
fi
# Data at rest is sealed (docs/data-at-rest.md): without DATA_KEYS, a local development key kept
# under .data/ (never committed) is used, so a persistent dev database stays readable across runs.
if [ -z "${DATA_KEYS:-}" ] && [ "${DATA_ENCRYPTION:-on}" != off ]; then
  keyfile=.data/dev-data-keys
  if [ ! -s "$keyfile" ]; then
    mkdir -p .data && (umask 077 && echo "1:$(head -c 32 /dev/urandom | base64 | tr -d '\n')" > "$keyfile.$$" && mv -n "$keyfile.$$" "$keyfile"; rm -f "$keyfile.$$")
  fi
  export DATA_KEYS="$(cat "$keyfile")"
fi
export DEMO=${DEMO:-1} PORT=${PORT:-8080} MLLP_PORT=${MLLP_PORT:-2575}
echo "[start] gateway on http://127.0.0.1:$PORT (FHIR store at /fhir), HL7 v2 MLLP on port $MLLP_PORT" >&2
node --import tsx gateway/main.ts &
child=$!
# Demo mode: a month of invented records for the demo facilities, loaded once per database
# (scripts/demo-data.ts; DEMO_DATA=0 skips it). It waits for the gateway and sends through its routes.
if [ "$DEMO" = 1 ] && [ "${DEMO_DATA:-1}" != 0 ]; then
  node --import tsx scripts/demo-data.ts &
fi
# A signal to this script asks the gateway to shut down; the loop below then waits for it to exit.
trap 'kill -TERM "$child" 2>/dev/null || true' INT TERM HUP
status=0
while :; do
  wait "$child" && status=0 || status=$?
  kill -0 "$child" 2>/dev/null || break  # `wait` also returns when a trapped signal arrives
done
exit "$status"
