#!/bin/sh
# Starts or stops urlsweep's loopback fixtures (HTTP fixture_server, dnsmasq, dns_fixture.py).
#
#   tools/fixtures.sh start DIR [FIXTURE_BIN]   start on free ports; writes DIR/env (ports, PIDs)
#   tools/fixtures.sh stop DIR                  stop the processes listed in DIR/env, by PID
#
# FIXTURE_BIN defaults to $FIXTURE_BIN, else the newest build*/tools/fixture_server of the checkout.
# After `start`, `. DIR/env` gives HTTP_PORT, RESOLVER (dnsmasq, for --resolver), BLACKHOLE_PORT,
# DNS_FIXTURE_RESOLVER and the PIDs. tools/README.md describes what the fixtures answer.
set -eu

tools_dir=$(cd "$(dirname "$0")" && pwd)
usage() {
  echo "usage: $0 start DIR [FIXTURE_BIN] | stop DIR" >&2
  exit 2
}
[ $# -ge 2 ] || usage
action=$1
dir=$2

case "$action" in
  start)
    bin=${3:-${FIXTURE_BIN:-}}
    if [ -z "$bin" ]; then
      bin=$(ls -t "$tools_dir"/../build*/tools/fixture_server 2>/dev/null | head -n 1 || true)
    fi
    if [ -z "$bin" ] || [ ! -x "$bin" ]; then
      echo "$0: no fixture_server binary; build the fixture_server target or pass its path" >&2
      exit 1
    fi
    mkdir -p "$dir"
    python3 "$tools_dir/fixture_stack.py" start "$dir" --fixture-bin "$bin" >/dev/null
    ;;
  stop)
    [ -f "$dir/env" ] || { echo "$0: $dir/env not found: nothing to stop" >&2; exit 1; }
    python3 "$tools_dir/fixture_stack.py" stop "$dir"
    ;;
  *)
    usage
    ;;
esac
