#!/usr/bin/env bash
# make run: create the database if needed, migrate, provision the demo
# portals from tenants/, and serve them. Called through with-services.sh,
# which has exported DATABASE_URL (and REDIS_URL when there is a Redis).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=./bin/entraide
addr=${ENTRAIDE_HTTP_ADDR:-:8080}
port=${addr##*:}
export ENTRAIDE_LOG_FORMAT=${ENTRAIDE_LOG_FORMAT:-text}
# Development: the outbox of sent emails is shown at /dev/courriels, and a
# secret key is made once under var/ (never committed) so forms survive
# restarts.
export ENTRAIDE_DEV=${ENTRAIDE_DEV:-true}
# Links in emails sent by background jobs point at this development server.
export ENTRAIDE_PUBLIC_SCHEME=${ENTRAIDE_PUBLIC_SCHEME:-http}
export ENTRAIDE_PUBLIC_PORT=${ENTRAIDE_PUBLIC_PORT:-${addr##*:}}
if [ -z "${ENTRAIDE_SECRET_KEY:-}" ]; then
	mkdir -p var
	if [ ! -s var/secret_key ]; then
		(umask 077 && head -c 48 /dev/urandom | base64 | tr -d '\n=' >var/secret_key)
	fi
	ENTRAIDE_SECRET_KEY=$(cat var/secret_key)
	export ENTRAIDE_SECRET_KEY
fi

"$bin" tenant check >/dev/null
"$bin" migrate -create-database
# A few people and posts on each demo portal (once), through the real services.
"$bin" demo

echo
echo "Les portails de démonstration / the demo portals:"
"$bin" tenant check | sed -n 's/^ok  *\([a-z0-9_]*\) *\(.*\) (.*), hosts: \([^,]*\).*/  http:\/\/\3:'"$port"'\/   \2/p'
echo
echo "Emails are not sent: read them at /dev/courriels on each portal."
echo "(Ctrl-C to stop. *.localhost names reach this machine in browsers and curl;"
echo " elsewhere: curl -H 'Host: calvados.localhost' http://localhost:$port/)"
echo
# migrate already ran; serve checks the schemas again before listening.
ENTRAIDE_MIGRATE_ON_START=false exec "$bin" serve
