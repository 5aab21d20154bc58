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
ensure_haproxy
node libs/db/dist/migrate.cli.js | grep -o '"msg":"[^"]*"' | cut -d'"' -f4 | sed 's/^/nimbus: /' >&2

# The master key wraps every tenant's secrets: generated once, kept beside the state, never printed.
if [ -z "${NIMBUS_MASTER_KEY:-}" ]; then
  [ -f "$STATE_DIR/master.key" ] || (umask 077 && openssl rand -base64 32 >"$STATE_DIR/master.key")
  NIMBUS_MASTER_KEY=$(cat "$STATE_DIR/master.key")
  export NIMBUS_MASTER_KEY
fi

# The orchestrator seals apps' certificate keys with it for the router: generated once, like the master key.
if [ -z "${NIMBUS_EDGE_KEY:-}" ]; then
  [ -f "$STATE_DIR/edge.key" ] || (umask 077 && openssl rand -base64 32 >"$STATE_DIR/edge.key")
  NIMBUS_EDGE_KEY=$(cat "$STATE_DIR/edge.key")
  export NIMBUS_EDGE_KEY
fi
# Agents present it to join; generated once, like the master key.
if [ -z "${NIMBUS_NODE_JOIN_TOKEN:-}" ]; then
  [ -f "$STATE_DIR/join.token" ] || (umask 077 && openssl rand -hex 32 >"$STATE_DIR/join.token")
  NIMBUS_NODE_JOIN_TOKEN=$(cat "$STATE_DIR/join.token")
  export NIMBUS_NODE_JOIN_TOKEN
fi

export NIMBUS_BUILD_SOURCES=${NIMBUS_BUILD_SOURCES:-$STATE_DIR/build-sources}
export NIMBUS_BUILD_CACHE=${NIMBUS_BUILD_CACHE:-$STATE_DIR/build-cache}
export NIMBUS_IMAGE_LAYOUT=${NIMBUS_IMAGE_LAYOUT:-$STATE_DIR/images}
export NIMBUS_ROUTER_PORT=${NIMBUS_ROUTER_PORT:-8000}
export NIMBUS_ROUTER_ADMIN_PORT=${NIMBUS_ROUTER_ADMIN_PORT:-$((NIMBUS_ROUTER_PORT + 1))}
# HTTPS through the HAProxy edge; a self-signed certificate unless NIMBUS_TLS_CERT/KEY are set.
if [ "${NIMBUS_EDGE:-haproxy}" = haproxy ]; then
  export NIMBUS_ROUTER_TLS_PORT=${NIMBUS_ROUTER_TLS_PORT:-8443}
fi
BUILDER_PORT=${NIMBUS_BUILDER_PORT:-$((PORT + 1))}
ORCHESTRATOR_PORT=${NIMBUS_ORCHESTRATOR_PORT:-$((PORT + 2))}
AGENT_PORT=${NIMBUS_AGENT_PORT:-$((PORT + 3))}

PROCESSES=(gateway builder orchestrator router agent)
for name in "${PROCESSES[@]}"; do
  if [ -f "$STATE_DIR/$name.pid" ] && kill -0 "$(cat "$STATE_DIR/$name.pid")" 2>/dev/null; then
    say "error: a $name started from here is already running (pid $(cat "$STATE_DIR/$name.pid"))"
    exit 1
  fi
done

declare -A pids
# start NAME COMMAND…: runs it in the background, logging to STATE_DIR/NAME.log.
start() {
  local name=$1
  shift
  "$@" >>"$STATE_DIR/$name.log" 2>&1 &
  pids[$name]=$!
  echo "$!" >"$STATE_DIR/$name.pid"
}
stop() {
  for name in "${!pids[@]}"; do kill "${pids[$name]}" 2>/dev/null || true; done
  for name in "${!pids[@]}"; do wait "${pids[$name]}" 2>/dev/null || true; rm -f "$STATE_DIR/$name.pid"; done
}
# await_ready NAME URL: waits for NAME's /readyz, or shows its log and fails if it exits.
await_ready() {
  local name=$1 url=$2
  for _ in $(seq 1 60); do
    curl -fs "$url/readyz" >/dev/null 2>&1 && return
    kill -0 "${pids[$name]}" 2>/dev/null || { say "error: the $name exited; its log:"; tail -20 "$STATE_DIR/$name.log" >&2; stop; exit 1; }
    sleep 0.5
  done
  say "error: the $name did not become ready; its log is $STATE_DIR/$name.log"
  stop
  exit 1
}

url="http://$HOST:$PORT"
start gateway node apps/gateway/dist/main.js
start builder env PORT="$BUILDER_PORT" node apps/builder/dist/main.js
start orchestrator env PORT="$ORCHESTRATOR_PORT" node apps/orchestrator/dist/main.js
start router node apps/router/dist/main.js
await_ready gateway "$url"
# One agent: this machine is the node. Ctrl-C stops its instances with it.
start agent env PORT="$AGENT_PORT" NIMBUS_API_URL="$url" NIMBUS_AGENT_STATE_DIR="$STATE_DIR/agent" \
  NIMBUS_AGENT_STOP_INSTANCES_ON_EXIT=true node apps/agent/dist/main.js
await_ready builder "http://$HOST:$BUILDER_PORT"
await_ready orchestrator "http://$HOST:$ORCHESTRATOR_PORT"
await_ready router "http://$HOST:$NIMBUS_ROUTER_ADMIN_PORT"
await_ready agent "http://$HOST:$AGENT_PORT"

bootstrap=$(node apps/gateway/dist/admin/admin.cli.js bootstrap)
field() { node -e 'const o=JSON.parse(process.argv[1]); const v=o[process.argv[2]]; if (v) console.log(v)' "$bootstrap" "$1"; }
cat <<INFO

  Nimbus is up.
  gateway:  $url
  console:  $url/console/
  apps:     http://APP.NAMESPACE.TENANT.${NIMBUS_DOMAIN:-localhost}:$NIMBUS_ROUTER_PORT/$( [ -n "${NIMBUS_ROUTER_TLS_PORT:-}" ] && printf '\n            https://APP.NAMESPACE.TENANT.%s:%s/' "${NIMBUS_DOMAIN:-localhost}" "$NIMBUS_ROUTER_TLS_PORT")
  admin:    $(field email)$( [ -n "$(field password)" ] && printf '  (password: %s, shown once)' "$(field password)")
  token:    $(field token)

  ./bin/nimbus login --api $url --token $(field token)

  logs: $STATE_DIR/{gateway,builder,orchestrator,router,agent}.log
INFO

if [ "${1:-}" = "--detach" ]; then
  say "running in the background; stop it with: kill ${pids[*]}"
  exit 0
fi
trap 'stop; exit 0' INT TERM
say "press Ctrl-C to stop"
wait -n "${pids[@]}" || true
say "error: a Nimbus process exited; stopping the others (logs in $STATE_DIR)"
stop
exit 1
