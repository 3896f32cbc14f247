#!/usr/bin/env bash
# Parquet readback: writes Parquet files with urlsweep's writer (parquet_readback_gen) and reads them
# back with DuckDB and hyparquet, which tools/install_deps.sh installs (`npm ci` from package-lock.json
# here) into node_modules beside this script; this script installs nothing.
# Usage: run.sh BUILD_DIR    Exit 0: every file matched; 1: a mismatch or error; 77: skipped, because node
# or the readers are missing (1 instead under URLSWEEP_CI_STRICT=1, as .ci/run sets: CI must run it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=${1:?usage: run.sh BUILD_DIR}
gen="$build/tests/parquet_readback_gen"
if [[ ! -x "$gen" ]]; then
  echo "run.sh: $gen is missing: build the parquet_readback_gen target first" >&2
  exit 1
fi

if ! command -v node >/dev/null || [[ ! -f "$here/node_modules/@duckdb/node-api/package.json" ||
     ! -f "$here/node_modules/hyparquet/package.json" || ! -f "$here/node_modules/hyparquet-compressors/package.json" ]]; then
  echo "SKIP: node or the Parquet readers missing in $here/node_modules: run tools/install_deps.sh" >&2
  [[ "${URLSWEEP_CI_STRICT:-0}" == 1 ]] && exit 1
  exit 77
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$gen" "$out"
node "$here/readback.mjs" "$out"
