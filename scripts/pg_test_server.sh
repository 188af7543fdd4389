#!/usr/bin/env bash
# Start a throwaway PostgreSQL from Debian's packages for the case-record tests and print its URL.
#
#   eval "$(scripts/pg_test_server.sh)"   # sets THREADLINE_TEST_PG_URL and PG_TEST_DIR
#   ... run tests ...
#   scripts/pg_test_server.sh stop "$PG_TEST_DIR"
#
# The cluster lives in a temporary directory, listens on a free local port (TCP on 127.0.0.1
# only, trust authentication for the local test user) and is owned by a non-root user when run
# as root (PostgreSQL refuses to run as root). Nothing outside the temp dir is touched.
set -euo pipefail

if [[ "${1:-}" == "stop" ]]; then
    dir="${2:?usage: pg_test_server.sh stop DIR}"
    owner="$(stat -c %U "$dir/data")"
    bin="$(cat "$dir/bindir")"
    if [[ "$(id -u)" == 0 && "$owner" != root ]]; then
        runuser -u "$owner" -- "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    else
        "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
    exit 0
fi

bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
    echo "PostgreSQL server binaries not found: apt-get install -y postgresql" >&2
    exit 1
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
dir="$(mktemp -d /tmp/threadline-pg.XXXXXX)"
echo "$bin" > "$dir/bindir"
run=()
user="$(id -un)"
if [[ "$(id -u)" == 0 ]]; then
    user="${PG_TEST_USER:-postgres}"
    id "$user" >/dev/null 2>&1 || useradd --system --no-create-home "$user"
    chown "$user" "$dir"
    run=(runuser -u "$user" --)
fi

"${run[@]}" "$bin/initdb" -D "$dir/data" -U threadline --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
"${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off" start >/dev/null
"${run[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U threadline threadline_test

echo "export THREADLINE_TEST_PG_URL=postgresql://threadline@127.0.0.1:$port/threadline_test"
echo "export PG_TEST_DIR=$dir"
