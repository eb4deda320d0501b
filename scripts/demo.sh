#!/usr/bin/env bash
# `npm run demo` on a fresh clone: installs the npm dependencies when they are missing, then runs
# scripts/demo.ts (build, disposable OpenLDAP, settings with fresh keys, server; Ctrl-C stops it all).
# The directory needs a Docker engine or Debian's slapd: `bash scripts/setup.sh` installs both.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [[ ! -x node_modules/.bin/tsx || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "demo: installing the npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi
# exec: Ctrl-C and SIGTERM reach the demo itself, which stops what it started.
exec node_modules/.bin/tsx scripts/demo.ts "$@"
