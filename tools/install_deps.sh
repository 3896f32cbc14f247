#!/usr/bin/env bash
# Installs what urlsweep needs to build, test and benchmark: Debian's packages, then the Node packages the
# tests read results back with (DuckDB, hyparquet: `npm ci` from the committed package-lock.json into
# tests/output/parquet_readback/node_modules). Idempotent: installs only what is missing, so a second run
# is quick and offline.
#
# Not installed: kubectl. Debian 12's kubernetes-client is 1.20, whose built-in kustomize cannot build
# deploy/kubernetes; the test of those manifests runs where a newer kubectl is on the PATH and is an
# optional skip elsewhere (tests/integration/fixtures.py OPTIONAL_SKIPS).
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config python3
  libuv1-dev libc-ares-dev libssl-dev libabsl-dev libgtest-dev libbenchmark-dev
  zlib1g-dev libidn2-dev libzstd-dev libsnappy-dev node-llhttp libnghttp2-dev
  # Real servers the tests and benchmarks start on loopback.
  dnsmasq-base nginx-light squid tinyproxy apache2-utils openssl wrk curl
  # SOCKS5 servers (with and without username/password), TLS in front of a proxy, HTTP/2 peers and clients.
  microsocks dante-server stunnel4 nghttp2-server nghttp2-client
  # The benchmark's Python reference client (for /usr/bin/python3).
  python3-aiohttp python3-aiodns
  # Headless rendering check of `urlsweep report`.
  chromium
  # Fuzzers and sanitizer runtimes.
  clang libclang-rt-14-dev
  # Reading results back in the tests (DuckDB and hyparquet from npm, below); `zstd -t` checks .zst outputs.
  nodejs npm zstd
  # Tests and benchmarks: time -v for peak RSS, iproute2/util-linux for network namespaces, script(1)
  # (bsdutils) for a pseudo-terminal, groff and man to render the man page.
  time iproute2 util-linux bsdutils groff-base man-db
  # deploy/slurm's job array on a one-machine Slurm cluster of the test's own (tools/slurm_cluster.py):
  # slurmctld, slurmd and the clients, and munge for their authentication. Nothing is started by the
  # packages in a container without an init system; the test starts and stops its own daemons.
  slurm-wlm munge
  # promtool: the --metrics-listen test checks the text with Prometheus' own parser.
  prometheus
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

# The tests' Node packages, exactly as package-lock.json pins them. npm ci empties node_modules first, so
# it runs only when the lock file changed since the last install (a stamp holds its hash). Bounded: a
# registry that does not answer fails here, once, rather than in every test.
readback=tests/output/parquet_readback
stamp=$readback/node_modules/.urlsweep-lock.sha256
lock_hash=$(sha256sum "$readback/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || $(<"$stamp") != "$lock_hash" || ! -f $readback/node_modules/@duckdb/node-api/package.json ]]; then
  echo "installing the tests' Node packages: npm ci in $readback" >&2
  (cd "$readback" && timeout 600 npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$lock_hash" >"$stamp"
fi
