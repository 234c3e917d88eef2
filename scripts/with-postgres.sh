#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster (Debian's server), reached over a Unix socket.
# Usage: scripts/with-postgres.sh COMMAND...   (SUMMITRY_DATABASE_URL is set for the command)
set -euo pipefail
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$PGBIN/initdb" ] || { echo "with-postgres: PostgreSQL server is not installed" >&2; exit 1; }
dir=$(mktemp -d /tmp/summitry-pg.XXXXXX)
chmod 755 "$dir"
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; as_pg=(runuser -u postgres --); fi
cleanup() { "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
"${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-k $dir -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
"${as_pg[@]}" "$PGBIN/createdb" -h "$dir" -U postgres summitry
export SUMMITRY_DATABASE_URL="postgresql://postgres@/summitry?host=$dir"
"$@"
