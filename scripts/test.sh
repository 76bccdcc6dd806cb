#!/usr/bin/env bash
# The one command that runs every test: `npm test` (optionally `npm test -- <path filter>...`).
# Installs what the tests need (idempotent), builds, lints, then runs node's test runner over
# the compiled tests. CI calls exactly this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-system-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build
if [ $# -eq 0 ]; then npm run --silent lint; fi

mapfile -t files < <(find dist/test -name '*.test.js' | sort)
if [ $# -gt 0 ]; then
  sel=()
  for f in "${files[@]}"; do for pat in "$@"; do [[ $f == *"$pat"* ]] && { sel+=("$f"); break; }; done; done
  files=("${sel[@]}")
fi
[ ${#files[@]} -gt 0 ] || { echo "no test files match $*" >&2; exit 1; }

# One file at a time by default: many tests start servers, VMs and namespaces, and the machine
# has two cores. TEST_CONCURRENCY raises it for quick local runs.
exec node --test --test-reporter=spec --test-concurrency="${TEST_CONCURRENCY:-1}" "${files[@]}"
