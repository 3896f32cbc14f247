#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts the loopback fixtures and the local
# DNS server, scans the bundled example list against them and prints the summary.
# Usage: tools/quickstart.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tools/install_deps.sh
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target urlsweep fixture_server
tools/demo.sh "$build"
