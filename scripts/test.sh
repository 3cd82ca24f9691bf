#!/usr/bin/env bash
# Runs the test suite: every *.test.ts under src/ and test/ on SQLite, a few server tests again
# with their masters on an S3 bucket (s3rver, DISTFORGE_TEST_STORE=s3), then the tests that use a
# database (those importing test/support/db.ts, but for the browser and terminal tests marked below)
# again on a throw-away PostgreSQL cluster. Each phase ends with its slowest files.
# Arguments: run only these test files (on SQLite and the local store; set DISTFORGE_TEST_PG or
# DISTFORGE_TEST_STORE=s3 yourself for PostgreSQL or S3).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Runs test files, three at a time (TEST_CONCURRENCY: most files wait on processes, servers and
# disks more than they compute); afterwards prints the slowest ones (wall time of each file).
run() {
  local rc=0
  node --import tsx --no-warnings=ExperimentalWarning --test --test-concurrency="${TEST_CONCURRENCY:-3}" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=./scripts/test-file-times.mjs --test-reporter-destination="$times" "$@" || rc=$?
  echo "slowest files:"
  head -n 15 "$times"
  return "$rc"
}
if (($#)); then exec node --import tsx --no-warnings=ExperimentalWarning --test --test-reporter=spec "$@"; fi
times="$(mktemp "${TMPDIR:-/tmp}/distforge-test-times.XXXXXX")"
trap 'rm -f "$times"' EXIT
started=$SECONDS
say() { echo "== [$(((SECONDS - started) / 60))m$(((SECONDS - started) % 60))s] $*"; }
mapfile -t files < <(find src test -name '*.test.ts' | sort)
# The bootstrap repository the build tests share takes minutes on a fresh clone: it is made beside
# the first test files, which do not need it (those that do wait for it).
fixtures_log="$(mktemp "${TMPDIR:-/tmp}/distforge-test-fixtures.XXXXXX")"
node --import tsx --no-warnings=ExperimentalWarning test/support/make-fixtures.ts > "$fixtures_log" 2>&1 &
fixtures_pid=$!
say "all tests on SQLite (${#files[@]} files)"
rc=0
run "${files[@]}" || rc=$?
if ! wait "$fixtures_pid"; then echo "making the test fixtures failed:"; cat "$fixtures_log"; fi
rm -f "$fixtures_log"
((rc == 0)) || exit "$rc"
# The store's own tests (src/storage) cover both backends themselves; these server tests upload and
# download artifacts through the API, so they run once more with every master on an S3 bucket.
s3files=(test/server/node-api.test.ts test/server/refused-uploads.test.ts test/sources/lookaside-store.test.ts)
say "artifact tests with the store on S3 (${#s3files[@]} files)"
DISTFORGE_TEST_STORE=s3 run "${s3files[@]}"
# Files marked "// not in the PostgreSQL phase: REASON" (browser and terminal tests, whose subject
# is not the database; every endpoint they use has its own tests here) run on SQLite only.
mapfile -t dbfiles < <(grep -l "support/db.ts" "${files[@]}" | xargs grep -L "^// not in the PostgreSQL phase:" || true)
if ((${#dbfiles[@]})); then
  read -r pgdir pgurl < <(bash scripts/postgres.sh start)
  trap 'bash scripts/postgres.sh stop "$pgdir"; rm -f "$times"' EXIT
  say "database tests on PostgreSQL (${#dbfiles[@]} files)"
  DISTFORGE_TEST_PG="$pgurl" run "${dbfiles[@]}"
  say "three masters on PostgreSQL with the store on S3"
  DISTFORGE_TEST_PG="$pgurl" DISTFORGE_TEST_STORE=s3 run test/scale-out/three-masters.test.ts
fi
say "done"
