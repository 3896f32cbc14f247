#!/usr/bin/env python3
"""--scheme-less: bare `host:port` lines against an https-only port (the fixture's `valid` TLS
listener) and an http-only port (its plain port), with one scheme or both in either order."""

import fixtures


class SchemeLessTest(fixtures.FixtureTestCase):

    def setUp(self):
        self.https_line = "valid.test:%d" % self.stack.tls_ports["valid"]
        self.http_line = "h1.test:%d/title/plain" % self.port

    def scan_lines(self, lines, *args):
        result = self.scan(lines, "--ca-file", self.stack.ca_file, *args)
        self.assertEqual(len(result.rows), len(lines), result.describe())
        return result.by_line

    def test_default_is_http(self):
        rows = self.scan_lines([self.http_line, self.https_line])
        self.assertRow(rows[1], url=self.http_line, final_url="http://%s" % self.http_line, status=200,
                       title="plain", error=None, attempts=1)
        # http to a TLS port: no HTTP answer, and no second scheme to try.
        self.assertRow(rows[2], final_url="http://%s/" % self.https_line, status=None, tls_version=None)
        self.assertIsNotNone(rows[2]["error"])

    def test_https_alone_is_not_retried_over_http(self):
        rows = self.scan_lines([self.https_line, self.http_line], "--scheme-less", "https")
        self.assertRow(rows[1], final_url="https://%s/" % self.https_line, status=200, tls_verify="ok",
                       error=None, attempts=1)
        self.assertRow(rows[2], final_url="https://%s" % self.http_line, status=None, error="tls_error")

    def test_https_then_http(self):
        rows = self.scan_lines([self.https_line, self.http_line], "--scheme-less", "https,http",
                               "--retries", "0")
        # The https port answers at once: its row, one attempt.
        self.assertRow(rows[1], url=self.https_line, final_url="https://%s/" % self.https_line,
                       status=200, tls_version=fixtures.OneOf("TLSv1.3", "TLSv1.2"), tls_verify="ok",
                       error=None, attempts=1)
        # The plain port refuses the handshake; http answers: the row is http's, with no TLS columns.
        self.assertRow(rows[2], url=self.http_line, final_url="http://%s" % self.http_line, status=200,
                       title="plain", http_version="1.1", tls_version=None, tls_verify=None,
                       error=None, error_detail=None, attempts=2)
        # Both schemes met the plain port: the handshake's connection and http's.
        connections, _ = self.count(self.address(1))
        self.assertGreaterEqual(connections, 2)

    def test_http_then_https(self):
        rows = self.scan_lines([self.https_line, self.http_line], "--scheme-less", "HTTP,HTTPS",
                               "--retries", "0")
        self.assertRow(rows[1], final_url="https://%s/" % self.https_line, status=200, tls_verify="ok",
                       error=None, attempts=2)
        self.assertRow(rows[2], final_url="http://%s" % self.http_line, status=200, error=None, attempts=1)

    def test_both_failing_report_the_second(self):
        line = "h2.test:1/x"  # nothing listens on port 1
        rows = self.scan_lines([line], "--scheme-less", "https,http", "--retries", "0")
        self.assertRow(rows[1], url=line, final_url="http://h2.test:1/x", status=None,
                       error="connect_refused", attempts=2)
        rows = self.scan_lines([line], "--scheme-less", "http,https", "--retries", "0")
        self.assertRow(rows[1], final_url="https://h2.test:1/x", error="connect_refused", attempts=2)

    def test_a_name_that_does_not_resolve_is_not_tried_again(self):
        line = "schemeless-nx.test:%d" % self.port
        rows = self.scan_lines([line], "--scheme-less", "https,http")
        self.assertRow(rows[1], final_url="https://%s/" % line, status=None, error="dns_nxdomain",
                       attempts=1)
        self.assertEqual(self.dnsmasq_queries("schemeless-nx.test"), 1)

    def test_an_answer_is_never_followed_by_the_second_scheme(self):
        # A status (even 500) or an exchange cut after the response began is the first scheme's row.
        rows = self.scan_lines(["h1.test:%d/status/500" % self.port, "h1.test:%d/reset-mid-body" % self.port],
                               "--scheme-less", "http,https", "--retries", "0")
        self.assertRow(rows[1], final_url="http://h1.test:%d/status/500" % self.port, status=500,
                       error=None, attempts=1)
        self.assertRow(rows[2], final_url="http://h1.test:%d/reset-mid-body" % self.port, status=200,
                       error="read_reset", attempts=1)

    def test_lines_with_a_scheme_keep_it(self):
        url = "https://%s" % self.http_line
        rows = self.scan_lines([url], "--scheme-less", "https,http")
        self.assertRow(rows[1], url=url, final_url=url, status=None, error="tls_error")


if __name__ == "__main__":
    fixtures.main()
