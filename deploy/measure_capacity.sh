#!/bin/sh
# Measures what deploy/README.md's capacity notes are built on: urlsweep's CPU cost per URL, its memory
# at the Job's settings, and how fast one pod reads a list it keeps almost none of.
#
#   deploy/measure_capacity.sh BUILD_DIR      (a Release build, for figures that mean anything)
#
# Needs BUILD_DIR/scanner/urlsweep and a fixture_server (BUILD_DIR/tools/fixture_server, or
# $FIXTURE_BIN). Like tools/demo.sh it starts the loopback fixtures, scans them through their own DNS
# server and stops them again; nothing leaves 127.0.0.0/8. Each scenario prints wall seconds, urlsweep's
# own CPU seconds (user + system: the fixture server's are not counted) and its peak RSS; "URLs/CPU-s"
# is URLs divided by those CPU seconds, the figure to size cores with, since on this shared machine
# the wall clock mostly measures the fixture server and the neighbours.
set -eu

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
tools_dir=$(cd "$(dirname "$0")/../tools" && pwd)
urlsweep=$build/scanner/urlsweep
fixture_server=${FIXTURE_BIN:-$build/tools/fixture_server}
for bin in "$urlsweep" "$fixture_server" /usr/bin/time; do
  [ -x "$bin" ] || { echo "$0: $bin not found" >&2; exit 1; }
done

# Big enough that start-up is noise, small enough for a two-core machine shared with others.
url_count=20000
# All the names the fixture DNS serves (tools/fixture_stack.py DEFAULT_NAMES): the cold scenario's
# URLs spread over as many hosts as it can.
cold_names=5000
tls_count=5000
# Lines for the read-only scenario: one pod's share of 16 shards is a sixteenth of what it reads.
input_lines=2000000

work=$(mktemp -d "${TMPDIR:-/tmp}/urlsweep-capacity.XXXXXX")
cleanup() {
  if [ -f "$work/fixtures/env" ]; then "$tools_dir/fixtures.sh" stop "$work/fixtures" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$tools_dir/fixtures.sh" start "$work/fixtures" "$fixture_server" >/dev/null
# shellcheck source=/dev/null
. "$work/fixtures/env"
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

python3 "$tools_dir/gen_urls.py" --count "$url_count" --names 200 --port "$HTTP_PORT" -o "$work/warm.txt"
python3 "$tools_dir/gen_urls.py" --count "$url_count" --names "$cold_names" --port "$HTTP_PORT" \
  -o "$work/cold.txt"
python3 -c 'import sys
for i in range(int(sys.argv[1])): print("https://valid.test:%s/?i=%d" % (sys.argv[2], i))' \
  "$tls_count" "$TLS_VALID_PORT" > "$work/tls.txt"
python3 "$tools_dir/gen_urls.py" --count "$input_lines" --names "$cold_names" --port "$HTTP_PORT" \
  -o "$work/input.txt.gz"

# scenario NAME URLS [FLAGS...]: one run, one line of figures.
scenario() {
  name=$1 urls=$2
  shift 2
  rm -f "$work/out.parquet" "$work/out.parquet.urlsweep-journal"
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" \
    "$urlsweep" --resolver "$RESOLVER" -q -o "$work/out.parquet" "$@" >/dev/null
  size=$(python3 -c 'import os, sys; print(os.path.getsize(sys.argv[1]))' "$work/out.parquet")
  read -r wall user sys rss < "$work/time"
  python3 -c 'import sys
name, urls, wall, user, sys_, rss, size = sys.argv[1:]
cpu = float(user) + float(sys_)
print("%-34s %9d %8.2f %8.2f %12.0f %11.0f %9.0f %8.0f" % (name, int(urls), float(wall), cpu,
      int(urls) / max(cpu, 0.01), int(urls) / max(float(wall), 0.01), int(rss) / 1024, int(size) / 1024))' \
    "$name" "$urls" "$wall" "$user" "$sys" "$rss" "$size"
}

printf "%-34s %9s %8s %8s %12s %11s %9s %8s\n" scenario URLs wall_s cpu_s URLs/CPU-s URLs/wall-s \
  RSS_MiB out_KiB
scenario "warm: 200 hosts, keep-alive" "$url_count" "$work/warm.txt"
scenario "cold: 5000 hosts, new TCP per URL" "$url_count" -H "Connection: close" "$work/cold.txt"
scenario "cold https: TLS handshake per URL" "$tls_count" -H "Connection: close" --per-host 1024 \
  --ca-file "$CA_FILE" "$work/tls.txt"
# The same without verification: what the certificate checks add to a handshake.
scenario "cold https, --tls-verify off" "$tls_count" -H "Connection: close" --per-host 1024 \
  --tls-verify off "$work/tls.txt"
scenario "job pod: cold, -c 2048 --threads 2" "$url_count" -H "Connection: close" -c 2048 \
  --threads 2 "$work/cold.txt"
# Shard 0 of a million holds none of these 5,000 hosts (or a handful): the run is reading, decompressing,
# parsing and hashing every line, which is what each pod does with the lines of the other shards.
scenario "read only: .gz lines of other shards" "$input_lines" --shard 0/1000000 "$work/input.txt.gz"
