#!/usr/bin/env bash
# Runs the test suite: every *.test.ts under src/ and test/ on SQLite, then the tests that use a
# database (those importing test/support/db.ts) again on a throw-away PostgreSQL cluster.
# Arguments: run only these test files (on SQLite; set DISTFORGE_TEST_PG yourself for PostgreSQL).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
run() {
  node --import tsx --no-warnings=ExperimentalWarning --test --test-concurrency="${TEST_CONCURRENCY:-2}" \
    --test-reporter=spec "$@"
}
if (($#)); then exec node --import tsx --no-warnings=ExperimentalWarning --test --test-reporter=spec "$@"; fi
mapfile -t files < <(find src test -name '*.test.ts' | sort)
echo "== all tests on SQLite (${#files[@]} files)"
run "${files[@]}"
mapfile -t dbfiles < <(grep -l "support/db.ts" "${files[@]}" || true)
if ((${#dbfiles[@]})); then
  read -r pgdir pgurl < <(bash scripts/postgres.sh start)
  trap 'bash scripts/postgres.sh stop "$pgdir"' EXIT
  echo "== database tests on PostgreSQL (${#dbfiles[@]} files)"
  DISTFORGE_TEST_PG="$pgurl" run "${dbfiles[@]}"
fi
