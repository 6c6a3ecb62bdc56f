#!/usr/bin/env bash
# npm test: typecheck, then every test (unit, golden, HTTP integration, fault, fuzz) on real PostgreSQL + Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
npx tsc --noEmit
exec bash scripts/with-services.sh npx vitest run "$@"
