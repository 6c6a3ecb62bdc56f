#!/usr/bin/env bash
# with-services.sh CMD…: run CMD with DATABASE_URL/REDIS_URL pointing at real services.
# If both are already set they are used as they are; otherwise private throwaway instances are
# started under .data/run-<pid> (fast, non-durable settings) and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
  dir=.data/run-$$
  env_lines=$(bash scripts/services.sh start "$dir" fast)  # fails the script if the services do not start
  eval "$env_lines"
  trap 'bash scripts/services.sh stop "$SVC_DIR" --purge' EXIT
fi
"$@"
