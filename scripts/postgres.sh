#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests and benchmarks (no systemd): initdb + pg_ctl.
#
#   scripts/postgres.sh start [DIR] [PORT]   prints the URL to use as --database / ROSTER_TEST_POSTGRES_URL
#   scripts/postgres.sh stop  [DIR]
#   scripts/postgres.sh restart [DIR]        (a fast restart: connections drop, data stays)
#
# Installs Debian's postgresql package when it is missing. Runs the server as the `postgres` user when started
# as root (PostgreSQL refuses to run as root).
set -euo pipefail
cmd=${1:-start}
dir=${2:-/tmp/roster-pg}
port=${3:-55432}

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "postgres: installing Debian's postgresql" >&2
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql >/dev/null
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
fi

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        as_owner "$bin/initdb" -D "$dir" -U roster --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
        cat >>"$dir/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 400
fsync = on
shared_buffers = 256MB
CONF
    fi
    if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
        as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
    fi
    as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U roster -d postgres -tAc \
        "SELECT 1 FROM pg_database WHERE datname = 'roster'" | grep -q 1 \
        || as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U roster roster
    echo "postgres://roster@127.0.0.1:$port/roster?sslmode=disable"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true
    ;;
restart)
    as_owner "$bin/pg_ctl" -D "$dir" -m fast -w restart -l "$dir/server.log" >/dev/null
    ;;
*)
    echo "usage: $0 start|stop|restart [DIR] [PORT]" >&2
    exit 2
    ;;
esac
