#!/usr/bin/env python3
"""Connection reuse: many URLs on one name share a few kept-alive connections, and a response with
Connection: close is never followed by a request on the same connection."""

import fixtures

# URLs on one name: with --per-host 8 they need at most 8 connections when kept alive.
URLS_PER_NAME = 200
PER_HOST = 8
# As many names as -c, their URLs in turn, at most 2 in flight per name: a finished URL's host is
# rarely the next URL's, so each name's connections must wait idle for its next URL.
ROTATION_NAMES = 16
ROTATION_URLS = 640


class KeepAliveTest(fixtures.FixtureTestCase):

    def test_urls_on_one_name_reuse_connections(self):
        name, address = "h300.test", self.address(300)
        paths = ["/", "/bytes/100", "/chunked/100", "/status/404"]
        urls = [self.url(paths[i % len(paths)], name=name) for i in range(URLS_PER_NAME)]
        result = self.scan(urls, "--per-host", str(PER_HOST))
        self.assertEqual(len(result.rows), URLS_PER_NAME, result.describe())
        self.assertEqual({row["error"] for row in result.rows}, {None})
        connections, requests = self.count(address)
        self.assertEqual(requests, URLS_PER_NAME)
        # Far fewer connections than requests; at most one per concurrent request to the host.
        self.assertLessEqual(connections, PER_HOST)

    def test_names_in_rotation_keep_their_connections(self):
        first = 310
        urls = [self.url("/", name="h%d.test" % (first + i % ROTATION_NAMES)) for i in range(ROTATION_URLS)]
        result = self.scan(urls, "-c", str(ROTATION_NAMES), "--per-host", "2")
        self.assertEqual({row["error"] for row in result.rows}, {None})
        counts = [self.count(self.address(first + n)) for n in range(ROTATION_NAMES)]
        self.assertEqual(sum(requests for _, requests in counts), ROTATION_URLS)
        connections = sum(c for c, _ in counts)
        # Connections are reused, not closed to make room for the next URL's host (which opened one
        # per 1.6 URLs when idle connections had to fit within -c): at most one per request a name
        # can have in flight.
        self.assertLessEqual(connections, 2 * ROTATION_NAMES, [c for c, _ in counts])

    def test_connection_close_is_honoured(self):
        name, address = "h301.test", self.address(301)
        urls = [self.url("/keepalive-off", name=name)] * 30
        result = self.scan(urls)
        self.assertEqual({(row["status"], row["error"]) for row in result.rows}, {(200, None)})
        self.assertEqual(self.count(address), (30, 30))


if __name__ == "__main__":
    fixtures.main()
