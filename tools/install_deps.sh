#!/usr/bin/env bash
# Installs what urlsweep needs to build, test and benchmark, from Debian's packages. Idempotent: installs
# only what is missing, so a second run is quick and offline.
set -euo pipefail

packages=(
  build-essential cmake pkg-config python3
  libuv1-dev libc-ares-dev libssl-dev libabsl-dev libgtest-dev libbenchmark-dev
  zlib1g-dev libidn2-dev libzstd-dev libsnappy-dev node-llhttp
  # Real servers the tests and benchmarks start on loopback.
  dnsmasq-base nginx-light squid tinyproxy apache2-utils openssl wrk curl
  # The benchmark's Python reference client (for /usr/bin/python3).
  python3-aiohttp python3-aiodns
  # Headless rendering check of `urlsweep report`.
  chromium
  # Fuzzers and sanitizer runtimes.
  clang libclang-rt-14-dev
  # Parquet read-back (DuckDB and hyparquet from npm).
  nodejs npm
  # Tests and benchmarks: time -v for peak RSS, iproute2/util-linux for network namespaces.
  time iproute2 util-linux
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere than Debian on some images: accept a working node and npm as they are.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=()
  for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
  missing=("${filtered[@]}")
fi
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
