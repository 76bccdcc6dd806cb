#!/usr/bin/env bash
# Regenerates the TypeScript types of the gRPC API (src/api/generated/) from proto/.
# The .proto files are the source of truth; the generated types are committed so that a build
# needs no generator, and test/engine/proto.test.ts fails when they are out of date.
# Usage: scripts/gen-proto.sh [OUT_DIR]   (default src/api/generated)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-src/api/generated}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd proto && node ../node_modules/@grpc/proto-loader/build/bin/proto-loader-gen-types.js \
  --keepCase --longs Number --enums String --defaults --oneofs --includeComments \
  --grpcLib @grpc/grpc-js --importFileExtension .js -I . -O "$tmp" mayastor/v1/*.proto >/dev/null)
# The per-file wrappers (pool.ts, ...) are not used: src/api/proto.ts loads every file at once.
rm -f "$tmp"/*.ts
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cp -r "$tmp" "$out"
