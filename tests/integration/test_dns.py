#!/usr/bin/env python3
"""Name resolution: every DNS error word, IPv6 and dual-stack names, the next address after a refused
one, TCP fallback after a truncated answer, and that many URLs on one name cost one lookup. Each case
asserts the whole row (assertExactRow: every column but the timings)."""

import os
import time

import fixtures
from fixtures import Matches, OneOf

# The fixture's default page (tools/README.md): 89 bytes.
DEFAULT_PAGE_BYTES = 89


class DnsTest(fixtures.FixtureTestCase):

    def fixture_resolver(self):
        return "127.0.0.1:%d" % self.stack.dns_fixture_port

    def failed(self, url, name, error, detail, attempts=1):
        """The whole row of a URL whose lookup of `name` failed: no address, no answer."""
        return {"line": 1, "url": url, "final_url": url, "host": name, "error": error,
                "error_detail": Matches(detail), "redirects": 0, "attempts": attempts}

    def answered(self, url, name, ip, status=200, reason="OK", title=fixtures.DEFAULT_TITLE,
                 size=DEFAULT_PAGE_BYTES):
        """The whole row of a URL on `name` that the fixture answered from `ip`."""
        return {"line": 1, "url": url, "final_url": url, "host": name, "ip": ip, "port": self.port,
                "status": status, "reason": reason, "http_version": "1.1", "redirects": 0,
                "content_type": fixtures.HTML, "content_length": size, "server": fixtures.SERVER,
                "title": title, "body_bytes": size, "attempts": 1}

    def status_page(self, url, name, ip):
        """answered() for the fixture's /status/201 page."""
        title = "201 Created"
        return self.answered(url, name, ip, status=201, reason="Created", title=title,
                             size=len(title) + len("status") + 71)

    def test_nxdomain(self):
        url = self.url("/", name="no-such-name.test")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.failed(url, "no-such-name.test", "dns_nxdomain", "NXDOMAIN"))

    def test_nodata(self):
        url = self.url("/", name="nodata.test")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.failed(url, "nodata.test", "dns_nodata", "no A or AAAA"))

    def test_servfail_is_retried(self):
        url = self.url("/", name="servfail1.test")
        row = self.scan_one(url, "--resolver", self.fixture_resolver())
        self.assertExactRow(row, **self.failed(url, "servfail1.test", "dns_servfail", "SERVFAIL",
                                               attempts=2))

    def test_refused_is_dns_error(self):
        url = self.url("/", name="refused1.test")
        row = self.scan_one(url, "--resolver", self.fixture_resolver())
        self.assertExactRow(row, **self.failed(url, "refused1.test", "dns_error", "REFUSED"))

    def test_every_resolver_failing_says_how(self):
        # Two --resolvers, both answering SERVFAIL (or both REFUSED): c-ares 1.18 tries each and then
        # says only that none answered usably; the rows still tell SERVFAIL from REFUSED, and neither
        # is dns_timeout (an answer came in time).
        role = "dns_fixture_second"
        second = self.stack.start_extra_dns_fixture(role)
        self.addCleanup(self.stack.kill_extra, role)
        servfail, refused = self.url("/", name="servfail2.test"), self.url("/", name="refused2.test")
        result = self.scan([servfail, refused], "--resolver", self.fixture_resolver(),
                           "--resolver", "127.0.0.1:%d" % second)
        self.assertExactRow(result.by_line[1], **self.failed(servfail, "servfail2.test", "dns_servfail",
                                                             "SERVFAIL", attempts=2))
        expected = self.failed(refused, "refused2.test", "dns_error", "REFUSED")
        expected["line"] = 2
        self.assertExactRow(result.by_line[2], **expected)
        # Both servers were asked.
        self.assertGreaterEqual(self.dns_fixture_queries("servfail2.test", "udp"), 1)
        with open(os.path.join(self.stack.dir, role + ".log")) as f:
            self.assertIn("udp A refused2.test\n", f.readlines())

    def test_malformed_answer_is_dns_error(self):
        url = self.url("/", name="garbage1.test")
        row = self.scan_one(url, "--resolver", self.fixture_resolver())
        self.assertExactRow(row, **self.failed(url, "garbage1.test", "dns_error", "(?i)malformed"))

    def test_truncated_answer_falls_back_to_tcp(self):
        url = self.url("/status/201", name="trunc1.test")
        row = self.scan_one(url, "--resolver", self.fixture_resolver())
        self.assertExactRow(row, **self.status_page(url, "trunc1.test", "127.0.0.1"))
        self.assertGreaterEqual(self.dns_fixture_queries("trunc1.test", "tcp"), 1)

    def test_dead_server_is_dns_timeout(self):
        # dnsmasq forwards *.dead.test to a socket that never answers.
        url = self.url("/", name="x.dead.test")
        started = time.monotonic()
        row = self.scan_one(url, "--dns-timeout", "1", "--retries", "0")
        self.assertExactRow(row, **self.failed(url, "x.dead.test", "dns_timeout", "DNS"))
        self.assertTookLess(time.monotonic() - started, 6)

    def test_silent_server_is_dns_timeout_and_retried(self):
        url = self.url("/", name="silent1.test")
        row = self.scan_one(url, "--resolver", self.fixture_resolver(), "--dns-timeout", "1",
                            "--retries", "1")
        self.assertExactRow(row, **self.failed(url, "silent1.test", "dns_timeout", "DNS",
                                               attempts=2))

    def test_ipv6_only_name(self):
        url = self.url("/status/201", name="v6.test")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.status_page(url, "v6.test", "::1"))

    def test_name_on_both_families(self):
        url = self.url("/status/201", name="both.test")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.status_page(url, "both.test", OneOf("127.0.0.1", "::1")))

    def test_next_address_after_a_refused_one(self):
        # fallback.test has A 127.0.5.5, where nothing listens, and AAAA ::1, where the fixture does.
        # urlsweep tries IPv4 first: the refused connect moves on to ::1 within the same attempt.
        refusing = fixtures.fixture_stack.REFUSING_ADDRESS
        answer = fixtures.dns_fixture.query("127.0.0.1", self.stack.dns_port, "fallback.test")
        self.assertEqual([rdata for _, _, rdata in answer[2]], [refusing])
        direct = "http://%s:%d/" % (refusing, self.port)
        self.assertExactRow(self.scan_one(direct, "--retries", "0"), line=1, url=direct,
                            final_url=direct, host=refusing, ip=refusing, port=self.port,
                            error="connect_refused", error_detail=Matches("(?i)refused"),
                            redirects=0, attempts=1)
        url = self.url("/", name="fallback.test")
        row = self.scan_one(url, "--retries", "0")
        self.assertExactRow(row, **self.answered(url, "fallback.test", "::1"))

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
