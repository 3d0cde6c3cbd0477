#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server on 127.0.0.1, with
# TEST_DATABASE_URL pointing at it. Used by `make test` when PostgreSQL is installed,
# so that the claim "the same code runs on PostgreSQL" is tested, not hoped.
#   tools/with_postgres.sh .venv/bin/python -m pytest
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL is not installed"; exit 3; }
data=$(mktemp -d /tmp/kotipiha-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres "$data"; as_pg=(runuser -u postgres --); fi
# The server's own commands run from $data: the postgres user may not enter the checkout.
pg() { (cd "$data" && "${as_pg[@]}" "$@"); }
cleanup() { pg "$bin/pg_ctl" -D "$data/db" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$data"; }
trap cleanup EXIT
pg "$bin/initdb" -D "$data/db" -U kotipiha --auth=trust >/dev/null
pg "$bin/pg_ctl" -D "$data/db" -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c fsync=off" -l "$data/log" -w start >/dev/null
pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U kotipiha kotipiha_test
TEST_DATABASE_URL="postgresql://kotipiha@127.0.0.1:$port/kotipiha_test" "$@"
