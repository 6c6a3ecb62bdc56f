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
# Data at rest is sealed (docs/data-at-rest.md): without DATA_KEYS, a local development key kept
# under .data/ (never committed) is used, so a persistent dev database stays readable across runs.
if [ -z "${DATA_KEYS:-}" ] && [ "${DATA_ENCRYPTION:-on}" != off ]; then
  keyfile=.data/dev-data-keys
  if [ ! -s "$keyfile" ]; then
    mkdir -p .data && (umask 077 && echo "1:$(head -c 32 /dev/urandom | base64 | tr -d '\n')" > "$keyfile.$$" && mv -n "$keyfile.$$" "$keyfile"; rm -f "$keyfile.$$")
  fi
  export DATA_KEYS="$(cat "$keyfile")"
fi
"$@"
