#!/usr/bin/env bash
# make run: create the database if needed, migrate, provision the demo
# portals from tenants/, and serve them. Called through with-services.sh,
# which has exported DATABASE_URL (and REDIS_URL when there is a Redis).
set -euo pipefail
cd "$(dirname "$0")/.."

bin=./bin/entraide
export ENTRAIDE_LOG_FORMAT=${ENTRAIDE_LOG_FORMAT:-text}
addr=${ENTRAIDE_HTTP_ADDR:-:8080}
port=${addr##*:}

"$bin" tenant check >/dev/null
"$bin" migrate -create-database

echo
echo "Les portails de démonstration / the demo portals:"
"$bin" tenant check | sed -n 's/^ok  *\([a-z0-9_]*\) *\(.*\) (.*), hosts: \([^,]*\).*/  http:\/\/\3:'"$port"'\/   \2/p'
echo
echo "(Ctrl-C to stop. *.localhost names reach this machine in browsers and curl;"
echo " elsewhere: curl -H 'Host: calvados.localhost' http://localhost:$port/)"
echo
# migrate already ran; serve checks the schemas again before listening.
ENTRAIDE_MIGRATE_ON_START=false exec "$bin" serve
