#!/usr/bin/env python3
"""TCP connect failures: connect_refused (a closed loopback port), connect_timeout (the fixture's
blackhole, whose full accept queue drops SYNs) and connect_unreachable (a network namespace whose
loopback is down)."""

import shutil
import socket
import subprocess
import time

import fixtures
from fixtures import Matches


def unshare_works():
    """Whether this machine lets us create a network namespace (containers often forbid it)."""
    if shutil.which("unshare") is None:
        return False
    try:
        return subprocess.run(["unshare", "--net", "--map-root-user", "true"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


class ConnectTest(fixtures.FixtureTestCase):

    def failed(self, url, port, error, detail, attempts=1):
        """The whole row of an IP-literal URL on 127.0.0.1 whose connect failed with `error`."""
        return {"line": 1, "url": url, "final_url": url, "host": "127.0.0.1", "ip": "127.0.0.1",
                "port": port, "error": error, "error_detail": Matches(detail), "redirects": 0,
                "attempts": attempts}

    def test_closed_port_is_connect_refused(self):
        # A socket bound but not listening: the port is ours and closed, so the kernel answers RST.
        holder = socket.socket()
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        try:
            url = "http://127.0.0.1:%d/" % port
            row = self.scan_one(url)
            self.assertExactRow(row, **self.failed(url, port, "connect_refused", "(?i)refused"))
        finally:
            holder.close()

    def test_blackhole_is_connect_timeout(self):
        url = "http://127.0.0.1:%d/" % self.stack.blackhole_port
        started = time.monotonic()
        row = self.scan_one(url, "--connect-timeout", "1", "--retries", "0")
        elapsed = time.monotonic() - started
        self.assertExactRow(row, **self.failed(url, self.stack.blackhole_port, "connect_timeout",
                                               "--connect-timeout"))
        self.assertTookLess(elapsed, 6)

    def test_connect_timeout_is_retried(self):
        url = "http://127.0.0.1:%d/" % self.stack.blackhole_port
        row = self.scan_one(url, "--connect-timeout", "1", "--retries", "1")
        self.assertExactRow(row, **self.failed(url, self.stack.blackhole_port, "connect_timeout",
                                               "--connect-timeout", attempts=2))

    def test_down_network_is_connect_unreachable(self):
        if not unshare_works():
            self.skipTest("unshare --net is not permitted here, so no namespace with loopback down")
        # In a fresh network namespace lo is down: connecting to 127.0.0.1 fails with ENETUNREACH.
        url = "http://127.0.0.1:1/"
        row = self.scan_one(url, "--retries", "0",
                            wrap=["unshare", "--net", "--map-root-user", "--"])
        self.assertExactRow(row, **self.failed(url, 1, "connect_unreachable", "(?i)unreachable"))


if __name__ == "__main__":
    fixtures.main()
