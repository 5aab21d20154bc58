#!/usr/bin/env bash
# Quickstart 1: installs everything and starts Nimbus on its embedded defaults, then prints the
# gateway URL, the console URL and a bootstrap admin token. `--detach` returns once it is up.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE_DIR=${NIMBUS_STATE_DIR:-$PWD/.nimbus}
mkdir -p "$STATE_DIR" && chmod 700 "$STATE_DIR"
# shellcheck source=lib/services.sh
source scripts/lib/services.sh

export DATABASE_URL=${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/nimbus}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
export PORT=${PORT:-8080}
export HOST=${HOST:-127.0.0.1}
export NIMBUS_GIT_ROOT=${NIMBUS_GIT_ROOT:-$STATE_DIR/git}

ensure_node_modules
say "building"
npm run build --silent
ensure_postgres "$DATABASE_URL"
ensure_redis "$REDIS_URL"
node libs/db/dist/migrate.cli.js | grep -o '"msg":"[^"]*"' | cut -d'"' -f4 | sed 's/^/nimbus: /' >&2

# The master key wraps every tenant's secrets: generated once, kept beside the state, never printed.
if [ -z "${NIMBUS_MASTER_KEY:-}" ]; then
  [ -f "$STATE_DIR/master.key" ] || (umask 077 && openssl rand -base64 32 >"$STATE_DIR/master.key")
  NIMBUS_MASTER_KEY=$(cat "$STATE_DIR/master.key")
  export NIMBUS_MASTER_KEY
fi

if [ -f "$STATE_DIR/gateway.pid" ] && kill -0 "$(cat "$STATE_DIR/gateway.pid")" 2>/dev/null; then
  say "error: a gateway started from here is already running (pid $(cat "$STATE_DIR/gateway.pid"))"
  exit 1
fi
node apps/gateway/dist/main.js >>"$STATE_DIR/gateway.log" 2>&1 &
gateway=$!
echo "$gateway" >"$STATE_DIR/gateway.pid"
stop() { kill "$gateway" 2>/dev/null || true; wait "$gateway" 2>/dev/null || true; rm -f "$STATE_DIR/gateway.pid"; }

url="http://$HOST:$PORT"
for _ in $(seq 1 60); do
  curl -fs "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$gateway" 2>/dev/null || { say "error: the gateway exited; its log:"; tail -20 "$STATE_DIR/gateway.log" >&2; exit 1; }
  sleep 0.5
done

bootstrap=$(node apps/gateway/dist/admin/admin.cli.js bootstrap)
field() { node -e 'const o=JSON.parse(process.argv[1]); const v=o[process.argv[2]]; if (v) console.log(v)' "$bootstrap" "$1"; }
cat <<INFO

  Nimbus is up.
  gateway:  $url
  console:  $url/console/
  admin:    $(field email)$( [ -n "$(field password)" ] && printf '  (password: %s, shown once)' "$(field password)")
  token:    $(field token)

  ./bin/nimbus login --api $url --token $(field token)

  logs: $STATE_DIR/gateway.log
INFO

if [ "${1:-}" = "--detach" ]; then
  say "running in the background (pid $gateway); stop it with: kill $gateway"
  exit 0
fi
trap 'stop; exit 0' INT TERM
say "press Ctrl-C to stop"
wait "$gateway"
