#!/bin/bash
# A throwaway PostgreSQL cluster (Debian's postgresql) for the tests and benchmarks: initdb in DIR
# with the C collation (Imago pages by byte order), trust authentication, listening on 127.0.0.1
# at a free port and on a unix socket in DIR; no system service. PostgreSQL refuses to run as
# root: as root the cluster runs as the `postgres` user (created by the package).
#
#   postgres.sh start DIR   prints DATABASE_URL=postgres://… once it accepts connections
#   postgres.sh stop DIR    stops it (fast shutdown) and removes DIR
#
# env: PG_PORT (default: a free port)
set -euo pipefail
cmd=${1:-}; D=${2:-}
[ -n "$cmd" ] && [ -n "$D" ] || { echo "usage: postgres.sh start|stop DIR" >&2; exit 2; }

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ "$cmd" = stop ]; then
  [ -f "$D/data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$D/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  rm -rf "$D"
  exit 0
fi

port=${PG_PORT:-$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
mkdir -p "$D"
[ "$(id -u)" -eq 0 ] && chown postgres "$D"
as_owner "$bin/initdb" -D "$D/data" --locale=C --encoding=UTF8 -A trust -U imago >"$D/initdb.log" 2>&1 || { cat "$D/initdb.log" >&2; exit 1; }
# a test cluster: durability is not what is under test, speed is
cat >>"$D/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$D'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 64MB
CONF
as_owner "$bin/pg_ctl" -D "$D/data" -l "$D/server.log" -w -t 60 start >/dev/null || { cat "$D/server.log" >&2; exit 1; }
as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U imago imago
echo "DATABASE_URL=postgres://imago@127.0.0.1:$port/imago"
