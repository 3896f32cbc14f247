#!/usr/bin/env python3
"""Name resolution: every DNS error word, IPv6 and dual-stack names, TCP fallback after a truncated
answer, and that many URLs on one name cost one lookup."""

import time

import fixtures


class DnsTest(fixtures.FixtureTestCase):

    def fixture_resolver(self):
        return "127.0.0.1:%d" % self.stack.dns_fixture_port

    def test_nxdomain(self):
        url = self.url("/", name="no-such-name.test")
        row = self.scan_one(url)
        self.assertRow(row, url=url, error="dns_nxdomain", status=None, ip=None, port=None,
                       attempts=1)

    def test_nodata(self):
        row = self.scan_one(self.url("/", name="nodata.test"))
        self.assertRow(row, error="dns_nodata", status=None, ip=None, attempts=1)

    def test_servfail_is_retried(self):
        row = self.scan_one(self.url("/", name="servfail1.test"), "--resolver", self.fixture_resolver())
        self.assertRow(row, error="dns_servfail", status=None, ip=None, attempts=2)

    def test_refused_is_dns_error(self):
        row = self.scan_one(self.url("/", name="refused1.test"), "--resolver", self.fixture_resolver())
        self.assertRow(row, error="dns_error", status=None, ip=None, attempts=1)

    def test_malformed_answer_is_dns_error(self):
        row = self.scan_one(self.url("/", name="garbage1.test"), "--resolver", self.fixture_resolver())
        self.assertRow(row, error="dns_error", status=None, ip=None)

    def test_truncated_answer_falls_back_to_tcp(self):
        row = self.scan_one(self.url("/status/201", name="trunc1.test"),
                            "--resolver", self.fixture_resolver())
        self.assertRow(row, status=201, error=None, ip="127.0.0.1", host="trunc1.test")
        self.assertGreaterEqual(self.dns_fixture_queries("trunc1.test", "tcp"), 1)

    def test_dead_server_is_dns_timeout(self):
        # dnsmasq forwards *.dead.test to a socket that never answers.
        started = time.monotonic()
        row = self.scan_one(self.url("/", name="x.dead.test"), "--dns-timeout", "1",
                            "--retries", "0")
        self.assertRow(row, error="dns_timeout", status=None, ip=None, attempts=1)
        self.assertLess(time.monotonic() - started, 6)

    def test_silent_server_is_dns_timeout_and_retried(self):
        row = self.scan_one(self.url("/", name="silent1.test"), "--resolver", self.fixture_resolver(),
                            "--dns-timeout", "1", "--retries", "1")
        self.assertRow(row, error="dns_timeout", status=None, attempts=2)

    def test_ipv6_only_name(self):
        url = self.url("/status/201", name="v6.test")
        row = self.scan_one(url)
        self.assertRow(row, final_url=url, host="v6.test", ip="::1", port=self.port, status=201,
                       error=None)

    def test_name_on_both_families(self):
        row = self.scan_one(self.url("/status/201", name="both.test"))
        self.assertRow(row, status=201, error=None, host="both.test")
        self.assertIn(row["ip"], ("127.0.0.1", "::1"))

    def test_many_urls_on_one_name_cost_one_query(self):
        name = "h77.test"
        urls = [self.url("/status/%d" % (200 + i % 2), name=name) for i in range(2000)]
        result = self.scan(urls)
        self.assertEqual(len(result.rows), 2000, result.describe())
        self.assertEqual({row["error"] for row in result.rows}, {None})
        self.assertEqual({row["ip"] for row in result.rows}, {self.address(77)})
        for line, row in result.by_line.items():
            self.assertEqual(row["status"], 200 + (line - 1) % 2, row)
        self.assertEqual(self.dnsmasq_queries(name, "A"), 1)
        self.assertLessEqual(self.dnsmasq_queries(name, "AAAA"), 1)


if __name__ == "__main__":
    fixtures.main()
