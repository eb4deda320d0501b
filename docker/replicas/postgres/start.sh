#!/bin/sh
# First start: a cluster with one database and its owner (POSTGRES_DB, POSTGRES_USER,
# POSTGRES_PASSWORD), password logins from the container network. Then PostgreSQL in the foreground.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  # Unix socket inside the container: trust; TCP from the network: password.
  initdb --auth-local=trust --auth-host=scram-sha-256 --username="$POSTGRES_USER" --pwfile="$pwfile" >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  pg_ctl -w -o "-c listen_addresses=''" start >/dev/null
  psql -q -v ON_ERROR_STOP=1 --username="$POSTGRES_USER" -d postgres \
    -c "create database \"$POSTGRES_DB\" owner \"$POSTGRES_USER\""
  pg_ctl -w stop >/dev/null
fi
exec postgres -c listen_addresses='*'
