#!/usr/bin/env bash
# npm test: typecheck, then every test (unit, golden, HTTP integration, fault, fuzz) on real PostgreSQL + Redis.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm install --no-audit --no-fund
npx tsc --noEmit
# The dashboard's browser tests (test/browser/) drive Debian's chromium: installed here when missing, as
# scripts/services.sh installs PostgreSQL and Redis (as root only; otherwise those tests fail saying how).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "[test] installing chromium (apt-get)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -q chromium >/dev/null; }
  else
    echo "[test] /usr/bin/chromium is missing: the browser tests will fail (run as root, or: sudo apt-get install -y chromium)" >&2
  fi
fi
exec bash scripts/with-services.sh npx vitest run "$@"
