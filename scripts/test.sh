#!/usr/bin/env bash
# Quickstart 2 (and what .ci/run calls): installs everything and runs every check and test.
set -euo pipefail
cd "$(dirname "$0")/.."
STATE_DIR=${NIMBUS_STATE_DIR:-$PWD/.nimbus}
mkdir -p "$STATE_DIR"
# shellcheck source=lib/services.sh
source scripts/lib/services.sh

export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379}

ensure_node_modules
ensure_postgres "$TEST_DATABASE_URL"
ensure_redis "$TEST_REDIS_URL"
say "building"
npm run build --silent
say "checking that the committed OpenAPI document and its generated types are current"
npm run openapi:check --silent
say "linting"
npm run lint --silent
say "type-checking tests"
npx tsc -p tsconfig.spec.json
# Whole-cluster tests run real fleets of processes against deadlines and leases: they get the
# machine to themselves, one at a time, after everything else.
CLUSTER_TESTS='test/cluster'
say "testing"
npx jest --ci --testPathIgnorePatterns "$CLUSTER_TESTS" "$@"
say "testing whole clusters, one at a time"
npx jest --ci --runInBand --testPathPatterns "$CLUSTER_TESTS" "$@"
