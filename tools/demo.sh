#!/bin/sh
# The demo: scans 20,000 URLs against the loopback fixtures, plus a few dozen that fail or speak HTTPS,
# and writes demo.csv here.
#
#   tools/demo.sh BUILD_DIR
#
# Needs BUILD_DIR/scanner/urlsweep and BUILD_DIR/tools/fixture_server. Starts the fixtures on free
# loopback ports, generates the URL list in a temporary folder, runs urlsweep with --summary against
# the fixtures' own DNS server (never the system resolver) and their own CA (--ca-file), and stops the
# fixtures again, also when something fails. Nothing leaves 127.0.0.0/8 and ::1.
#
# `BUILD_DIR/scanner/urlsweep report demo.csv -o report.html` then draws docs/report-example.png's page.
set -eu

# Enough URLs to show throughput, few enough to finish in seconds.
url_count=20000
name_count=200
# The blackhole never accepts: its URL fails with connect_timeout after this, twice (--retries 1).
connect_timeout=1

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

# What a real list also holds, first in the list so that the slow ones overlap the bulk: lines that are
# not URLs, names that do not exist or have no address, a port nobody listens on, a server that never
# accepts, and HTTPS: valid certificates, an expired one, a self-signed one, one for another name (all
# answered: --tls-verify report records the verdict in tls_verify), and https to a plain HTTP port.
{
  echo "ftp://files.test/archive.tar"
  echo "http://bad host.test/"
  for n in 1 2 3 4 5 6; do echo "http://gone$n.test:$HTTP_PORT/"; done
  echo "http://nodata.test:$HTTP_PORT/"
  for n in 1 2 3; do echo "http://127.0.0.1:1/refused-$n"; done
  echo "http://127.0.0.1:$BLACKHOLE_PORT/"
  for n in $(seq 1 20); do echo "https://valid.test:$TLS_VALID_PORT/title/secure-$n"; done
  for n in 1 2 3 4 5; do echo "https://expired.test:$TLS_EXPIRED_PORT/title/old-$n"; done
  echo "https://self.test:$TLS_SELF_PORT/"
  echo "https://wrong.test:$TLS_WRONG_PORT/"
  echo "https://h7.test:$HTTP_PORT/"
} >"$work/urls.txt"
extra_count=$(wc -l <"$work/urls.txt")
python3 "$tools_dir/gen_urls.py" --count "$url_count" --names "$name_count" --port "$HTTP_PORT" \
  -o "$work/generated.txt"
cat "$work/generated.txt" >>"$work/urls.txt"

# A proxy from the environment would send the demo's requests elsewhere.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

echo "demo: scanning $url_count URLs on $name_count loopback names (h0.test ...) and $extra_count failing or" \
  "https ones -> demo.csv"
"$urlsweep" --resolver "$RESOLVER" --ca-file "$CA_FILE" --connect-timeout "$connect_timeout" --summary -q \
  -o demo.csv "$work/urls.txt"
echo "demo: $(($(wc -l < demo.csv) - 1)) rows in demo.csv; its report:" \
  "$urlsweep report demo.csv -o report.html"
