#!/usr/bin/env python3
"""Redirects: reported as they are with --follow 0, followed with --follow N (relative, absolute,
to another host), redirect_loop and too_many_redirects."""

from urllib.parse import quote

import fixtures


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

    def test_too_many_redirects(self):
        row = self.scan_one(self.url("/redirect/10"), "--follow", "3")
        self.assertRow(row, error="too_many_redirects", final_url=self.url("/redirect/7"),
                       status=302, location="/redirect/6", redirects=3)


if __name__ == "__main__":
    fixtures.main()
