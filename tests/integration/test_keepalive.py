#!/usr/bin/env python3
"""Connection reuse: many URLs on one name share a few kept-alive connections, and a response with
Connection: close is never followed by a request on the same connection."""

import fixtures

# URLs on one name: with --per-host 8 they need at most 8 connections when kept alive.
URLS_PER_NAME = 200
PER_HOST = 8


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

    def test_connection_close_is_honoured(self):
        name, address = "h301.test", self.address(301)
        urls = [self.url("/keepalive-off", name=name)] * 30
        result = self.scan(urls)
        self.assertEqual({(row["status"], row["error"]) for row in result.rows}, {(200, None)})
        self.assertEqual(self.count(address), (30, 30))


if __name__ == "__main__":
    fixtures.main()
