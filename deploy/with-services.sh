#!/usr/bin/env bash
# Finds (or starts) PostgreSQL and Redis for development and tests, exports
# their URLs, then runs the given command.
#
#   deploy/with-services.sh run  CMD...   DATABASE_URL (database "entraide") and REDIS_URL
#   deploy/with-services.sh test CMD...   ENTRAIDE_TEST_DATABASE_URL and ENTRAIDE_TEST_REDIS_URL
#
# PostgreSQL: $DATABASE_URL if set; else a server on 127.0.0.1:5432 (user
# postgres); else a throwaway cluster under ./var/postgres started with the
# installed initdb/pg_ctl on port 55432; else it says what to install.
# Redis: $REDIS_URL if set; else 127.0.0.1:6379; else a throwaway
# redis-server on port 56379 if installed; else none (run mode only: the
# server then keeps its state in process; tests need a real Redis).
# Set ENTRAIDE_DEV_LOCAL_SERVICES=1 to skip the system servers and use the
# throwaway ones.
set -euo pipefail

mode=${1:?usage: with-services.sh run|test CMD...}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
var="$root/var"
local_only=${ENTRAIDE_DEV_LOCAL_SERVICES:-}

say() { printf 'entraide: %s\n' "$*" >&2; }

reachable() { # host port
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

find_pg_bin() { # name
	if command -v "$1" >/dev/null 2>&1; then command -v "$1"; return; fi
	local c
	for c in /usr/lib/postgresql/*/bin/"$1" /usr/local/pgsql/bin/"$1" /opt/homebrew/bin/"$1"; do
		[ -x "$c" ] && { echo "$c"; return; }
	done
	return 1
}

# as_owner runs a PostgreSQL tool as a non-root user: initdb and postgres
# refuse to run as root.
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		if ! id postgres >/dev/null 2>&1; then
			say "running as root and there is no 'postgres' user to own a throwaway cluster."
			say "Run as an ordinary user, or set DATABASE_URL to an existing PostgreSQL."
			exit 1
		fi
		chown -R postgres "$var/postgres"
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start_throwaway_pg() {
	local initdb pg_ctl
	if ! initdb=$(find_pg_bin initdb) || ! pg_ctl=$(find_pg_bin pg_ctl); then
		say "PostgreSQL not found: no DATABASE_URL, nothing on 127.0.0.1:5432, no initdb/pg_ctl installed."
		say "Install PostgreSQL (15 or newer), then run this again:"
		say "  Debian/Ubuntu: sudo apt-get install postgresql"
		say "  Fedora:        sudo dnf install postgresql-server"
		say "  macOS:         brew install postgresql@16"
		say "or point DATABASE_URL at an existing server (postgres://user@host:5432/entraide)."
		exit 1
	fi
	mkdir -p "$var/postgres"
	if [ ! -f "$var/postgres/data/PG_VERSION" ]; then
		say "creating a throwaway PostgreSQL cluster in var/postgres/data"
		as_owner "$initdb" -D "$var/postgres/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$var/postgres/initdb.log" 2>&1 ||
			{ say "initdb failed; see var/postgres/initdb.log"; exit 1; }
	fi
	if ! reachable 127.0.0.1 55432; then
		say "starting it on 127.0.0.1:55432 (stop it with: make stop)"
		as_owner "$pg_ctl" -D "$var/postgres/data" -l "$var/postgres/server.log" -w \
			-o "-p 55432 -k $var/postgres -c listen_addresses=127.0.0.1" start >/dev/null ||
			{ say "PostgreSQL did not start; see var/postgres/server.log"; exit 1; }
	fi
	pg_server="postgres://postgres@127.0.0.1:55432"
}

start_throwaway_redis() {
	command -v redis-server >/dev/null 2>&1 || return 1
	mkdir -p "$var/redis"
	if ! reachable 127.0.0.1 56379; then
		say "starting a throwaway Redis on 127.0.0.1:56379 (stop it with: make stop)"
		redis-server --port 56379 --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
			--dir "$var/redis" --pidfile "$var/redis/redis.pid" --logfile "$var/redis/redis.log" >/dev/null
		for _ in $(seq 50); do reachable 127.0.0.1 56379 && break; sleep 0.1; done
	fi
	redis_url="redis://127.0.0.1:56379/0"
}

# PostgreSQL
pg_server=""
db_url=""
if [ -n "${DATABASE_URL:-}" ]; then
	db_url=$DATABASE_URL
elif [ -z "$local_only" ] && reachable 127.0.0.1 5432; then
	pg_server="postgres://postgres@127.0.0.1:5432"
else
	start_throwaway_pg
fi

# Redis
redis_url=${REDIS_URL:-}
if [ -z "$redis_url" ]; then
	if [ -z "$local_only" ] && reachable 127.0.0.1 6379; then
		redis_url="redis://127.0.0.1:6379/0"
	else
		start_throwaway_redis || true
	fi
fi

case "$mode" in
run)
	export DATABASE_URL=${db_url:-"$pg_server/entraide?sslmode=disable"}
	if [ -n "$redis_url" ]; then export REDIS_URL=$redis_url; fi
	;;
test)
	# Tests create and drop their own databases on this server.
	if [ -n "$db_url" ]; then
		export ENTRAIDE_TEST_DATABASE_URL=$db_url
	else
		export ENTRAIDE_TEST_DATABASE_URL="$pg_server/postgres?sslmode=disable"
	fi
	if [ -z "$redis_url" ]; then
		say "Redis not found: the tests need a real one. Install it (Debian/Ubuntu: sudo apt-get install redis-server) or set REDIS_URL."
		exit 1
	fi
	export ENTRAIDE_TEST_REDIS_URL=$redis_url
	;;
*)
	say "unknown mode $mode (run or test)"
	exit 2
	;;
esac
exec "$@"
