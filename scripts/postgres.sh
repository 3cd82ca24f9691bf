#!/usr/bin/env bash
# Starts a private, throw-away PostgreSQL cluster for the tests and prints its admin URL
# (`start`), or stops and removes it (`stop DIR`). As root it runs the server as the postgres user
# (initdb refuses root), as ../shared/docs/TOOLCHAIN.md shows.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
case "${1:-}" in
  start)
    dir="$(mktemp -d /tmp/distforge-pg.XXXXXX)"
    port=$((20000 + RANDOM % 20000))
    run() { if [[ $(id -u) -eq 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
    [[ $(id -u) -eq 0 ]] && chown postgres "$dir"
    run "$bin/initdb -D $dir/data -A trust -U postgres >$dir/initdb.log 2>&1"
    run "$bin/pg_ctl -D $dir/data -o '-k $dir -p $port -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300' -l $dir/log -w start >/dev/null"
    echo "$dir postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir="$2"
    if [[ $(id -u) -eq 0 ]]; then su postgres -s /bin/bash -c "$bin/pg_ctl -D $dir/data -m fast stop >/dev/null"; else "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null; fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start | stop DIR" >&2; exit 2 ;;
esac
