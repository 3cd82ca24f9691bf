#!/usr/bin/env bash
# Runs the test suite: every *.test.ts under src/ and test/ on SQLite, a few server tests again
# with their masters on an S3 bucket (s3rver, DISTFORGE_TEST_STORE=s3), then the tests that use a
# database (those importing test/support/db.ts) again on a throw-away PostgreSQL cluster.
# Arguments: run only these test files (on SQLite and the local store; set DISTFORGE_TEST_PG or
# DISTFORGE_TEST_STORE=s3 yourself for PostgreSQL or S3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
times="$(mktemp "${TMPDIR:-/tmp}/distforge-test-times.XXXXXX")"
trap 'rm -f "$times"' EXIT
# Runs test files; afterwards prints the slowest ones (wall time of each file, files run in parallel).
run() {
  local rc=0
  node --import tsx --no-warnings=ExperimentalWarning --test --test-concurrency="${TEST_CONCURRENCY:-2}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./scripts/test-file-times.mjs --test-reporter-destination="$times" "$@" || rc=$?
  echo "slowest files:"
  head -n 15 "$times"
  return "$rc"
}
if (($#)); then exec node --import tsx --no-warnings=ExperimentalWarning --test --test-reporter=spec "$@"; fi
mapfile -t files < <(find src test -name '*.test.ts' | sort)
echo "== all tests on SQLite (${#files[@]} files)"
run "${files[@]}"
# The store's own tests (src/storage) cover both backends themselves; these server tests upload and
# download artifacts through the API, so they run once more with every master on an S3 bucket.
s3files=(test/server/node-api.test.ts test/server/refused-uploads.test.ts test/sources/lookaside-store.test.ts)
echo "== artifact tests with the store on S3 (${#s3files[@]} files)"
DISTFORGE_TEST_STORE=s3 run "${s3files[@]}"
mapfile -t dbfiles < <(grep -l "support/db.ts" "${files[@]}" || true)
if ((${#dbfiles[@]})); then
  read -r pgdir pgurl < <(bash scripts/postgres.sh start)
  trap 'bash scripts/postgres.sh stop "$pgdir"; rm -f "$times"' EXIT
  echo "== database tests on PostgreSQL (${#dbfiles[@]} files)"
  DISTFORGE_TEST_PG="$pgurl" run "${dbfiles[@]}"
fi
