# Finds PostgreSQL and Redis, or starts local ones, and says which. Sourced by the Quickstart
# scripts and CI. Expects STATE_DIR (where a private cluster or server keeps its files).

say() { printf 'nimbus: %s\n' "$*" >&2; }

postgres_answers() { pg_isready -q -d "$1" -t 2 >/dev/null 2>&1; }

# A URL whose database may not exist yet still tells pg_isready where the server is.
server_url() { local url=$1; echo "${url%/*}/postgres"; }

ensure_postgres() {
  local url=$1 server
  server=$(server_url "$url")
  if postgres_answers "$server"; then say "PostgreSQL answers at ${server%/*}"; return; fi
  command -v pg_ctl >/dev/null || [ -d /usr/lib/postgresql ] || {
    say "installing PostgreSQL from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  }
  if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
    local version
    version=$(ls /etc/postgresql | sort -V | tail -1)
    say "starting the system's PostgreSQL $version cluster"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do postgres_answers "$server" && { say "PostgreSQL answers at ${server%/*}"; return; }; sleep 1; done
  say "error: PostgreSQL does not answer at ${server%/*}; set DATABASE_URL to a server that does"
  exit 1
}

ensure_redis() {
  local url=$1 hostport host port
  hostport=${url#*://}; hostport=${hostport%%/*}; hostport=${hostport##*@}
  host=${hostport%%:*}; port=${hostport##*:}; [ "$port" = "$hostport" ] && port=6379
  if redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1; then say "Redis answers at $host:$port"; return; fi
  command -v redis-server >/dev/null || {
    say "installing Redis from Debian's packages"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  }
  say "starting a local Redis on $host:$port (nothing kept on disk)"
  mkdir -p "$STATE_DIR/redis"
  redis-server --daemonize yes --bind "$host" --port "$port" --save '' --appendonly no \
    --dir "$STATE_DIR/redis" --logfile "$STATE_DIR/redis/redis.log"
  for _ in $(seq 1 20); do redis-cli -h "$host" -p "$port" ping >/dev/null 2>&1 && return; sleep 0.5; done
  say "error: Redis did not start; see $STATE_DIR/redis/redis.log"
  exit 1
}

# App traffic arrives at HAProxy (NIMBUS_EDGE=haproxy, the default), which the router starts and
# programs itself: only the binary is needed, none of the package's own service.
ensure_haproxy() {
  [ "${NIMBUS_EDGE:-haproxy}" = haproxy ] || return 0
  command -v "${NIMBUS_HAPROXY:-haproxy}" >/dev/null && return
  say "installing HAProxy from Debian's packages"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
  # Debian's package starts its own service on port 80; the router runs its own HAProxy.
  command -v systemctl >/dev/null && systemctl disable --now haproxy >/dev/null 2>&1 || true
}

# Installs npm packages when node_modules is missing or older than the lockfile (always in CI).
# `npm install`, not `npm ci`: the registry reachable here serves no other platform's native
# binaries (@swc/core-darwin-arm64 and the like answer 404), so no lockfile written here can list
# them, and `npm ci` refuses such a lockfile. `npm install` still installs the locked versions.
ensure_node_modules() {
  if [ -n "${CI:-}" ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm packages"
    npm install --no-audit --no-fund --loglevel=error
  fi
}
