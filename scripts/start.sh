#!/usr/bin/env bash
# npm start: gateway + linkage worker in one process, with private PostgreSQL + Redis under .data/demo
# (installed from Debian packages when missing) unless DATABASE_URL and REDIS_URL are set.
# Demo API keys are enabled (DEMO=1) unless DEMO=0 is given. Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  env_lines=$(bash scripts/services.sh start .data/demo durable)
  eval "$env_lines"
  trap 'bash scripts/services.sh stop "$SVC_DIR"' EXIT
  echo "[start] PostgreSQL and Redis running with data in $SVC_DIR" >&2
fi
export DEMO=${DEMO:-1} PORT=${PORT:-8080}
echo "[start] gateway on http://127.0.0.1:$PORT (FHIR store at /fhir)" >&2
node --import tsx gateway/main.ts &
child=$!
trap 'kill -TERM $child 2>/dev/null; wait $child; bash scripts/services.sh stop "${SVC_DIR:-}" 2>/dev/null || true' EXIT INT TERM
wait $child
