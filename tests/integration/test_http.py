#!/usr/bin/env python3
"""Completed HTTP exchanges: statuses and reasons, HTTP/1.0, body framings, --max-body, titles,
HEAD, bodiless statuses, interim responses, and what urlsweep sends (User-Agent, -H, Host)."""

from urllib.parse import quote

import fixtures

# The fixture's default page (tools/README.md): its length is checked against the fixture itself.
DEFAULT_PAGE = b"<!doctype html>\n<html><head><title>urlsweep fixture</title></head><body>ok</body></html>\n"


class HttpTest(fixtures.FixtureTestCase):

    def test_default_page_row(self):
        _, _, body = self.fetch("/")
        self.assertEqual(body, DEFAULT_PAGE)
        url = self.url("/")
        row = self.scan_one(url)
        self.assertRow(row, line=1, url=url, final_url=url, host="h1.test", ip=self.address(1),
                       port=self.port, status=200, reason="OK", http_version="1.1", error=None,
                       error_detail=None, redirects=0, location=None, content_type=fixtures.HTML,
                       content_length=len(DEFAULT_PAGE), server=fixtures.SERVER,
                       title=fixtures.DEFAULT_TITLE, body_bytes=len(DEFAULT_PAGE), tls_version=None,
                       tls_verify=None, cert_not_after=None, attempts=1)
        for stage in ("dns_ms", "connect_ms", "ttfb_ms", "total_ms"):
            self.assertIsInstance(row[stage], (int, float), stage)
            self.assertGreaterEqual(row[stage], 0, stage)
        self.assertGreaterEqual(row["total_ms"], row["ttfb_ms"])
        self.assertRegex(row["started_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")

    def test_statuses_are_answers_not_errors(self):
        cases = {
            "/status/404": (404, "Not Found"),
            "/status/500": (500, "Internal Server Error"),
            "/status/999": (999, "Unknown"),
            "/status/201": (201, "Created"),
            "/status/200?reason=Fine+Thanks": (200, "Fine Thanks"),
        }
        paths = list(cases)
        result = self.scan([self.url(p) for p in paths])
        for line, path in enumerate(paths, 1):
            status, reason = cases[path]
            _, _, body = self.fetch(path)
            self.assertRow(result.by_line[line], url=self.url(path), status=status, reason=reason,
                           error=None, attempts=1, http_version="1.1",
                           body_bytes=len(body), content_length=len(body),
                           title="%d %s" % (status, reason))

    def test_http10_close_delimited_body(self):
        row = self.scan_one(self.url("/http10"))
        self.assertRow(row, status=200, reason="OK", http_version="1.0", error=None,
                       content_length=None, body_bytes=len(DEFAULT_PAGE),
                       title=fixtures.DEFAULT_TITLE)

    def test_body_framings(self):
        result = self.scan([self.url("/bytes/5000"), self.url("/chunked/5000")])
        self.assertRow(result.by_line[1], status=200, error=None, content_length=5000,
                       body_bytes=5000, content_type="application/octet-stream", title=None)
        self.assertRow(result.by_line[2], status=200, error=None, content_length=None,
                       body_bytes=5000, content_type=fixtures.TEXT)

    def test_max_body_caps_body_bytes(self):
        result = self.scan([self.url("/bytes/200000"), self.url("/chunked/200000"),
                            self.url("/bytes/500")], "--max-body", "1000")
        self.assertRow(result.by_line[1], status=200, error=None, content_length=200000,
                       body_bytes=1000)
        self.assertRow(result.by_line[2], status=200, error=None, content_length=None,
                       body_bytes=1000)
        self.assertRow(result.by_line[3], status=200, error=None, body_bytes=500)

    def test_title(self):
        result = self.scan([self.url("/title/Hello%20World"), self.url("/title/caf%C3%A9")])
        self.assertRow(result.by_line[1], status=200, title="Hello World")
        self.assertRow(result.by_line[2], status=200, title="caf\u00e9")

    def test_title_as_html_reads_it(self):
        # A <title> in a comment is no title; character references decode as HTML decodes them in text:
        # every name of the standard's table, legacy names without ';', numeric ones.
        page = ("<!doctype html><!-- <title>old</title> --><html><head>"
                "<title>Caf&eacute; &amp Cr&egrave;me &copy2026 &hellip; &#8364;&#x263A</title>")
        url = self.url("/html/" + quote(page, safe=""))
        size = len(page.encode())
        self.assertExactRow(self.scan_one(url), **self.base(url, **self.answer(
            content_type=fixtures.HTML, content_length=size, body_bytes=size,
            title="Caf\u00e9 & Cr\u00e8me \u00a92026 \u2026 \u20ac\u263a")))

    def test_title_beyond_max_body_is_absent(self):
        # The <title> tag starts 28 bytes into the page: 10 bytes cannot hold it.
        row = self.scan_one(self.url("/title/late"), "--max-body", "10")
        self.assertRow(row, status=200, error=None, body_bytes=10, title=None)

    def test_head_method(self):
        result = self.scan([self.url("/bytes/5000"), self.url("/")], "--method", "HEAD")
        self.assertRow(result.by_line[1], status=200, error=None, content_length=5000,
                       body_bytes=0, title=None)
        self.assertRow(result.by_line[2], status=200, error=None, content_length=len(DEFAULT_PAGE),
                       body_bytes=0, title=None)

    def test_bodiless_statuses(self):
        result = self.scan([self.url("/no-content"), self.url("/not-modified")])
        self.assertRow(result.by_line[1], status=204, reason="No Content", error=None,
                       body_bytes=0, content_length=None, title=None)
        self.assertRow(result.by_line[2], status=304, reason="Not Modified", error=None,
                       body_bytes=0, content_length=None, title=None)

    def test_100_continue_is_skipped_for_the_final_response(self):
        row = self.scan_one(self.url("/continue"))
        self.assertRow(row, status=200, reason="OK", error=None, title=fixtures.DEFAULT_TITLE,
                       body_bytes=len(DEFAULT_PAGE))

    def test_request_headers(self):
        # /echo/<name> answers a page whose title is that request header's value.
        result = self.scan([self.url("/echo/user-agent"), self.url("/echo/x-test"),
                            self.url("/echo/x-other"), self.url("/echo/host")],
                           "--user-agent", "probe/1.0", "-H", "X-Test: yes",
                           "--header", "X-Other: two words")
        self.assertRow(result.by_line[1], status=200, title="probe/1.0")
        self.assertRow(result.by_line[2], status=200, title="yes")
        self.assertRow(result.by_line[3], status=200, title="two words")
        self.assertRow(result.by_line[4], status=200, title="h1.test:%d" % self.port)

    def test_default_user_agent_and_no_content_encoding(self):
        result = self.scan([self.url("/echo/user-agent"), self.url("/echo/accept-encoding")])
        self.assertRegex(result.by_line[1]["title"], r"^urlsweep/\d+\.\d+\.\d+")
        self.assertIn(result.by_line[2]["title"], ("(none)", "identity"))

    def test_ipv6_literal(self):
        url = "http://[::1]:%d/status/201" % self.port
        row = self.scan_one(url)
        self.assertRow(row, url=url, final_url=url, host="[::1]", ip="::1", port=self.port,
                       status=201, error=None)


if __name__ == "__main__":
    fixtures.main()
