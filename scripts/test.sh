#!/usr/bin/env bash
# Runs the whole suite with node's test runner: unit tests beside the code (src/**/*.test.ts) and
# integration tests (test/**/*.test.ts). Extra arguments are passed to node (e.g. a file filter).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if (($#)); then files=("$@"); else mapfile -t files < <(find src test -name '*.test.ts' | sort); fi
exec node --import tsx --no-warnings=ExperimentalWarning --test --test-concurrency="${TEST_CONCURRENCY:-2}" \
  --test-reporter=spec "${files[@]}"
