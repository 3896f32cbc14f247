#!/bin/sh
# The demo: scans 20,000 URLs against the loopback fixtures and writes demo.csv here.
#
#   tools/demo.sh BUILD_DIR
#
# Needs BUILD_DIR/scanner/urlsweep and BUILD_DIR/tools/fixture_server. Starts the fixtures on free
# loopback ports, generates the URL list in a temporary folder, runs urlsweep with --summary against
# the fixtures' own DNS server (never the system resolver), and stops the fixtures again, also when
# something fails. Nothing leaves 127.0.0.0/8 and ::1.
set -eu

# Enough URLs to show throughput, few enough to finish in seconds.
url_count=20000
name_count=200

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
tools_dir=$(cd "$(dirname "$0")" && pwd)
urlsweep=$build/scanner/urlsweep
fixture_server=$build/tools/fixture_server
for bin in "$urlsweep" "$fixture_server"; do
  [ -x "$bin" ] || { echo "$0: $bin not found: build the urlsweep and fixture_server targets" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/urlsweep-demo.XXXXXX")
cleanup() {
  if [ -f "$work/fixtures/env" ]; then "$tools_dir/fixtures.sh" stop "$work/fixtures" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$tools_dir/fixtures.sh" start "$work/fixtures" "$fixture_server"
. "$work/fixtures/env"
python3 "$tools_dir/gen_urls.py" --count "$url_count" --names "$name_count" --port "$HTTP_PORT" \
  -o "$work/urls.txt"

# A proxy from the environment would send the demo's requests elsewhere.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

echo "demo: scanning $url_count URLs on $name_count loopback names (h0.test ...) -> demo.csv"
"$urlsweep" --resolver "$RESOLVER" --summary -q -o demo.csv "$work/urls.txt"
echo "demo: $(($(wc -l < demo.csv) - 1)) rows in demo.csv"
