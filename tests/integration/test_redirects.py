#!/usr/bin/env python3
"""Redirects: reported as they are with --follow 0, followed with --follow N (relative, absolute,
to another host), redirect_loop and too_many_redirects, one --timeout budget for the whole chain,
and the method of every hop (HEAD stays HEAD, also after 303)."""

import http.server
import threading
import time
from urllib.parse import quote

import fixtures
from fixtures import Matches

# Slack on top of a deadline, for a loaded two-core machine.
SLACK_S = 5.0


class MethodRecorder(http.server.BaseHTTPRequestHandler):
    """A tiny origin that notes the method and path of every request in its server's `seen` list:
    /start/<code> answers <code> with Location /end, anything else 200 with an empty body."""

    def answer(self):
        self.server.seen.append((self.command, self.path))
        if self.path.startswith("/start/"):
            self.send_response(int(self.path[len("/start/"):]))
            self.send_header("Location", "/end")
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = answer
    do_HEAD = answer

    def log_message(self, *args):
        pass


class RedirectTest(fixtures.FixtureTestCase):

    def test_follow_0_reports_the_redirect_itself(self):
        url = self.url("/redirect/3")
        row = self.scan_one(url, "--follow", "0")
        self.assertRow(row, url=url, final_url=url, status=302, reason="Found",
                       location="/redirect/2", redirects=0, error=None, attempts=1)

    def test_default_is_follow_0(self):
        row = self.scan_one(self.url("/redirect/1"))
        self.assertRow(row, status=302, location="/redirect/0", redirects=0, error=None)

    def test_relative_chain_is_followed(self):
        url = self.url("/redirect/3")
        row = self.scan_one(url, "--follow", "5")
        self.assertRow(row, url=url, final_url=self.url("/redirect/0"), host="h1.test", status=200,
                       reason="OK", location=None, redirects=3, error=None,
                       title=fixtures.DEFAULT_TITLE, attempts=1)

    def test_absolute_chain_is_followed(self):
        row = self.scan_one(self.url("/redirect-abs/3"), "--follow", "5")
        self.assertRow(row, final_url=self.url("/redirect-abs/0"), status=200, redirects=3,
                       error=None)

    def test_redirect_to_another_host(self):
        target = self.url("/title/there", name="h2.test")
        row = self.scan_one(self.url("/to?url=" + quote(target, safe="")), "--follow", "2")
        self.assertRow(row, final_url=target, host="h2.test", ip=self.address(2), port=self.port,
                       status=200, redirects=1, title="there", error=None)

    def test_every_followed_code(self):
        codes = ["301", "302", "303", "307", "308"]
        result = self.scan([self.url("/redirect-code/" + c) for c in codes] +
                           [self.url("/redirect-code/300")], "--follow", "1")
        for line, code in enumerate(codes, 1):
            self.assertRow(result.by_line[line], final_url=self.url("/"), status=200, redirects=1,
                           error=None, location=None)
        # 300 is not among the redirects urlsweep follows: it is the answer.
        self.assertRow(result.by_line[6], final_url=self.url("/redirect-code/300"), status=300,
                       location="/", redirects=0, error=None)

    def test_redirect_loop(self):
        # /loop/a -> /loop/b -> /loop/a: the second hop comes back to a URL already fetched.
        row = self.scan_one(self.url("/loop/a"), "--follow", "5")
        self.assertRow(row, error="redirect_loop", final_url=self.url("/loop/b"), status=302,
                       location="/loop/a", redirects=1)

    def test_timeout_covers_the_whole_chain(self):
        # Two hops of 600 ms each: each fits in --timeout 1 (a per-hop budget would let the chain
        # succeed), both together do not. The budget runs out during the second hop.
        second = "/to?url=%2F&delay=600"
        first = "/to?url=" + quote(second, safe="") + "&delay=600"
        url = self.url(first)
        started = time.monotonic()
        row = self.scan_one(url, "--follow", "5", "--timeout", "1")
        elapsed = time.monotonic() - started
        self.assertExactRow(row, line=1, url=url, final_url=self.url(second), host="h1.test",
                            ip=self.address(1), port=self.port, error="timeout",
                            error_detail=Matches("timeout"), redirects=1, attempts=1)
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertTookLess(elapsed, 1.0 + SLACK_S)
        # With room for both hops the same chain completes: the timeout above is the budget's.
        row = self.scan_one(url, "--follow", "5", "--timeout", "5")
        self.assertRow(row, final_url=self.url("/"), status=200, redirects=2, error=None)
        self.assertGreaterEqual(row["total_ms"], 1200)

    def test_delayed_redirect_fixture(self):
        # The fixture itself: /to?delay= holds the redirect back (tells a broken fixture from a
        # broken scanner).
        started = time.monotonic()
        status, headers, _ = self.fetch("/to?url=%2Fthere&delay=600")
        self.assertGreaterEqual(time.monotonic() - started, 0.6)
        self.assertEqual((status, headers.get("Location")), (302, "/there"))

    def test_head_stays_head_on_every_hop(self):
        # RFC 9110 section 15.4.4: after a 303 the user agent retrieves the target with GET or HEAD;
        # a HEAD is not turned into a GET (nor by any other redirect). urlsweep never sends POST, so
        # no redirect ever changes its method.
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), MethodRecorder)
        server.daemon_threads = True
        server.seen = []
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        base = "http://127.0.0.1:%d" % server.server_address[1]
        codes = ["301", "302", "303", "307", "308"]
        for method in ("HEAD", "GET"):
            with self.subTest(method=method):
                server.seen.clear()
                urls = [base + "/start/" + code for code in codes]
                result = self.scan(urls, "--method", method, "--follow", "1")
                for line, url in enumerate(urls, 1):
                    self.assertRow(result.by_line[line], final_url=base + "/end", status=200,
                                   redirects=1, error=None)
                self.assertEqual(sorted(server.seen),
                                 sorted([(method, "/end")] * len(codes) +
                                        [(method, "/start/" + code) for code in codes]))

    def test_too_many_redirects(self):
        row = self.scan_one(self.url("/redirect/10"), "--follow", "3")
        self.assertRow(row, error="too_many_redirects", final_url=self.url("/redirect/7"),
                       status=302, location="/redirect/6", redirects=3)


if __name__ == "__main__":
    fixtures.main()
