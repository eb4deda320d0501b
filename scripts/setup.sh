#!/usr/bin/env bash
# Sets up a fresh Debian machine for the tests and the demo: Debian packages (slapd, Chromium,
# PostgreSQL, a Docker engine, docker-compose, mmdebstrap, Samba for the Active Directory tests), the
# Docker engine started by hand, the offline base images, and the npm dependencies. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for cmd in slapd ldapadd chromium dockerd docker-compose mmdebstrap samba samba-tool; do command -v "$cmd" >/dev/null || need+=("$cmd"); done
[ -x /usr/lib/postgresql/15/bin/postgres ] || need+=(postgres)
# samba-tool provisions a domain only with the schema files of samba-ad-provision.
[ -d /usr/share/samba/setup/ad-schema ] || need+=(samba-ad-provision)
if ((${#need[@]})); then
  echo "setup: installing Debian packages (missing: ${need[*]})"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends \
    slapd ldap-utils chromium postgresql docker.io docker-compose mmdebstrap ca-certificates openssl \
    samba samba-ad-dc samba-ad-provision
fi

bash docker/engine.sh start
eval "$(bash docker/engine.sh env)"
bash docker/base-images.sh

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# The test directory image (the fixture would build it too; doing it here keeps its apt-get step out
# of test timeouts).
docker build --quiet -t ldap-login/openldap:dev docker/openldap >/dev/null
