#!/usr/bin/env bash
# Installs what the project needs on a fresh machine with Node 20 and Python 3.11:
# pnpm 10, the node modules from the lockfile, the build; with --oracle also the cached
# virtualenvs holding real MLflow 2.22 and 3.x that the differential tests compare against.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
want_pnpm=10
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null | cut -d. -f1)" != "$want_pnpm" ]; then
  echo "bootstrap: installing pnpm $want_pnpm" >&2
  if ! COREPACK_INTEGRITY_KEYS=0 corepack enable pnpm >/dev/null 2>&1 || ! COREPACK_INTEGRITY_KEYS=0 pnpm --version >/dev/null 2>&1; then
    npm install -g "pnpm@$want_pnpm" >/dev/null 2>&1 || {
      npm install --prefix "$root/.cache/pnpm" "pnpm@$want_pnpm" >/dev/null
      export PATH="$root/.cache/pnpm/node_modules/.bin:$PATH"
    }
  fi
fi
export COREPACK_INTEGRITY_KEYS=0
echo "bootstrap: pnpm $(pnpm --version), node $(node --version)" >&2
pnpm install --frozen-lockfile --reporter=silent
log="$(mktemp)"
if ! pnpm run build >"$log" 2>&1; then cat "$log" >&2; rm -f "$log"; exit 1; fi
rm -f "$log"
if [ "${1:-}" = "--oracle" ]; then
  echo "bootstrap: oracle virtualenvs (real MLflow from PyPI; cached after the first run)" >&2
  bash "$root/scripts/oracle-venv.sh" all >&2
fi
