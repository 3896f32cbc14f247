#!/usr/bin/env bash
# Parquet readback: writes Parquet files with urlsweep's writer (parquet_readback_gen) and reads them
# back with DuckDB and hyparquet, installed with npm into node_modules beside this script.
# Usage: run.sh BUILD_DIR    Exit 0: every file matched; 1: a mismatch or error; 77: skipped, because
# npm could not install the readers (no npm, or no registry).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: run.sh BUILD_DIR}
gen="$build/tests/parquet_readback_gen"
if [[ ! -x "$gen" ]]; then
  echo "run.sh: $gen is missing: build the parquet_readback_gen target first" >&2
  exit 1
fi

installed() {
  [[ -f "$here/node_modules/@duckdb/node-api/package.json" && -f "$here/node_modules/hyparquet/package.json" &&
     -f "$here/node_modules/hyparquet-compressors/package.json" ]]
}
if ! installed; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "SKIP: node/npm not installed, cannot install the Parquet readers" >&2
    exit 77
  fi
  # Bounded: a registry that does not answer must not hang the test suite.
  if ! (cd "$here" && timeout 300 npm install --no-package-lock --no-audit --no-fund --loglevel=error) ||
     ! installed; then
    echo "SKIP: npm could not install @duckdb/node-api and hyparquet" >&2
    exit 77
  fi
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$gen" "$out"
node "$here/readback.mjs" "$out"
