#!/usr/bin/env python3
"""Politeness as the server sees it: --per-host, -c and --rate bound what reaches the
fixture, a 429 or 503 with Retry-After holds that host's next requests, and --exclude keeps URLs
away from listed names, subdomains, networks and addresses (the fixture's /count does not move). The
fixture's TrafficStats (/stats) counts the requests in flight at once per Host and in all, and lists
when each arrived; PolitenessFixtureTest checks that accounting on its own, without urlsweep.

Not tested: the 60 s cap on a Retry-After hold (scanner/worker.cc kMaxRetryAfterS). Seeing it takes a
hold of more than 60 s, and no flag shortens it (a test-only knob is not wanted)."""

import bisect
import email.utils
import os
import socket
import tempfile
import threading
import time

import fixtures

# Slack on top of a deadline, for a loaded two-core machine (under the sanitizers, upper bounds go
# through FixtureTestCase.assertTookLess).
SLACK_S = 5.0
# The longest hold a Retry-After gets (scanner/worker.cc kMaxRetryAfterS).
MAX_RETRY_AFTER_S = 60


def most_in_window(arrivals, window_s):
    """The largest number of `arrivals` (sorted seconds) within any `window_s` seconds."""
    return max((bisect.bisect_left(arrivals, t + window_s) - i for i, t in enumerate(arrivals)),
               default=0)


def request(port, path, host, timeout=10.0):
    """One GET with Host `host` over a fresh connection; returns the response bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n" % (
            path.encode(), host.encode()))
        data = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk


class PolitenessFixtureTest(fixtures.FixtureTestCase):
    """The fixture's /stats on its own."""

    def setUp(self):
        self.reset_stats()

    def test_concurrent_requests_are_counted_per_host_and_address(self):
        threads = [threading.Thread(target=request, args=(self.port, "/delay/400", "Conc.test:%d" % i))
                   for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        request(self.port, "/", "other.test")
        # The Host key has no port and no case.
        conc = self.stats(host="conc.test")
        self.assertEqual((conc["requests"], conc["in_flight"], conc["max_in_flight"]), (4, 0, 4))
        self.assertEqual(len(conc["arrivals"]), 4)
        # max_in_flight 4 already shows they overlapped; the spread of their arrivals is a Release bound.
        self.assertTookLess(max(conc["arrivals"]) - min(conc["arrivals"]), 0.4, "not at once")
        other = self.stats(host="other.test")
        self.assertEqual((other["requests"], other["max_in_flight"]), (1, 1))
        everything = self.stats()
        self.assertEqual((everything["requests"], everything["max_in_flight"]), (5, 4))
        self.assertEqual(self.stats(addr="127.0.0.1")["requests"], 5)
        self.assertEqual(self.stats(addr="127.0.1.7")["requests"], 0)
        self.assertEqual(self.stats(host="never.test"),
                         {"requests": 0, "in_flight": 0, "max_in_flight": 0, "arrivals": []})

    def test_control_requests_are_not_traffic(self):
        self.stats()
        self.count()
        self.assertEqual(self.stats()["requests"], 0)

    def test_a_request_leaves_the_count_when_its_connection_ends(self):
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        try:
            sock.sendall(b"GET /hang HTTP/1.1\r\nHost: hang.test\r\n\r\n")
            deadline = time.monotonic() + SLACK_S
            while self.stats(host="hang.test")["in_flight"] != 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(self.stats(host="hang.test")["in_flight"], 1)
        finally:
            sock.close()
        deadline = time.monotonic() + SLACK_S
        while self.stats(host="hang.test")["in_flight"] != 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.stats(host="hang.test")["in_flight"], 0)
        # A reset keeps nothing but what is in flight now.
        self.reset_stats()
        self.assertEqual(self.stats(host="hang.test"),
                         {"requests": 0, "in_flight": 0, "max_in_flight": 0, "arrivals": []})


class PolitenessTest(fixtures.FixtureTestCase):
    """urlsweep's limits, measured at the fixture."""

    def setUp(self):
        self.reset_stats()

    def test_per_host_limit(self):
        name = "h300.test"
        urls = [self.url("/delay/50", name=name)] * 300
        result = self.scan(urls, "--per-host", "3")
        self.assertEqual(len(result.rows), 300, result.describe())
        self.assertEqual({(row["status"], row["error"]) for row in result.rows}, {(200, None)})
        seen = self.stats(host=name)
        self.assertEqual(seen["requests"], 300)
        # Never more than 3 at once, and the limit was used: 300 requests of 50 ms take 5 s at 3.
        self.assertEqual(seen["max_in_flight"], 3)
        self.assertEqual(self.stats(addr=self.address(300))["max_in_flight"], 3)
        self.assertGreaterEqual(result.elapsed, 300 / 3 * 0.05)

    def test_concurrency_limit_across_hosts(self):
        urls = [self.url("/delay/50", name="h%d.test" % (310 + i % 50)) for i in range(200)]
        result = self.scan(urls, "-c", "5")
        self.assertEqual(len(result.rows), 200, result.describe())
        self.assertEqual({(row["status"], row["error"]) for row in result.rows}, {(200, None)})
        seen = self.stats()
        self.assertEqual(seen["requests"], 200)
        self.assertEqual(seen["max_in_flight"], 5)

    def test_rate_limit(self):
        urls = [self.url("/", name="h%d.test" % (400 + i % 20)) for i in range(200)]
        result = self.scan(urls, "--rate", "50")
        self.assertEqual(len(result.rows), 200, result.describe())
        self.assertEqual({(row["status"], row["error"]) for row in result.rows}, {(200, None)})
        arrivals = self.stats()["arrivals"]
        self.assertEqual(len(arrivals), 200)
        # 50 a second, give or take the jitter between a request's start and its arrival.
        self.assertLessEqual(most_in_window(arrivals, 1.0), 55)
        self.assertGreaterEqual(arrivals[-1] - arrivals[0], 3.5)
        self.assertGreaterEqual(result.elapsed, 3.5)

    def check_retry_after(self, path, status, at_least_s, at_most_s):
        """Line 1 gets `status` with Retry-After from h450; its five other URLs must wait between
        `at_least_s` and `at_most_s`, while h451's five go at once."""
        held, free = "h450.test", "h451.test"
        urls = ([self.url(path, name=held)] + [self.url("/", name=held)] * 5 +
                [self.url("/", name=free)] * 5)
        # One request at a time per host, so the host's other URLs are still waiting when the 429 comes.
        result = self.scan(urls, "--per-host", "1")
        self.assertEqual(sorted(result.by_line), list(range(1, 12)), result.describe())
        self.assertRow(result.by_line[1], status=status, error=None, attempts=1)
        for line in range(2, 12):
            self.assertRow(result.by_line[line], status=200, error=None)
        first, *rest = self.stats(host=held)["arrivals"]
        self.assertEqual(len(rest), 5)
        # The 429 left the fixture just after its request arrived; a little less is timer rounding.
        self.assertGreaterEqual(min(rest) - first, at_least_s - 0.1, "the host was not held")
        # Sanitized, still well under the 60 s cap (scanner kMaxRetryAfterS) a misread value would hold.
        self.assertTookLess(min(rest) - first, at_most_s + SLACK_S, "the host was held too long",
                            sanitized_bound_s=MAX_RETRY_AFTER_S / 2)
        # The hold is for that host only.
        others = self.stats(host=free)["arrivals"]
        self.assertEqual(len(others), 5)
        # Sanitized, the other host's five still all came before the held host's next request.
        self.assertTookLess(max(others) - first, 1.0, "another host was held too",
                            sanitized_bound_s=min(rest) - first)

    def test_retry_after_seconds_on_429_holds_the_host(self):
        self.check_retry_after("/retry-after/2", 429, 2.0, 2.0)

    def test_retry_after_date_on_503_holds_the_host(self):
        # An HTTP-date (RFC 9110 section 10.2.3) 4 s ahead in whole seconds, read by urlsweep within
        # a second of its start: a hold of 2 to 4 s. Sanitized, urlsweep may take seconds to get that
        # far, so the date is 8 s ahead: a hold of 2 to 8 s.
        ahead_s = 8 if fixtures.SANITIZED else 4
        date = email.utils.formatdate(time.time() + ahead_s, usegmt=True)
        self.check_retry_after("/retry-after/%s?status=503" % date.replace(" ", "%20"), 503, 2.0,
                               float(ahead_s))


class ExcludeTest(fixtures.FixtureTestCase):
    """--exclude on the URLs of the list itself (test_hostile.py covers redirect targets)."""

    def test_excluded_urls_are_never_contacted(self):
        # h460.test by name; h461.test's subdomain; h462.test's address, inside a listed CIDR, known
        # only after DNS; the IPv6 literal ::1. h4600.test (not a subdomain of h460.test) and h470.test
        # (outside the CIDR) are not listed and are scanned.
        cidr_host, cidr = "h462.test", "127.0.2.204/30"
        self.assertEqual(self.address(462), "127.0.2.206")
        exclude = self.write_input("exclude.txt", [
            "# names, networks and addresses never to contact", "H460.test", "h461.test", "",
            cidr, "  ::1  "])
        excluded = [self.url("/", name="h460.test"), self.url("/x", name="www.h461.test"),
                    self.url("/", name=cidr_host), "http://[::1]:%d/" % self.port]
        allowed = [self.url("/", name="h4600.test"), self.url("/", name="h470.test")]
        addresses = [self.address(460), self.address(462), "::1", self.address(4600),
                     self.address(470)]
        # The count of ::1 moves when something connects there (so its staying put below means
        # something).
        v6_before = self.count("::1")[0]
        socket.create_connection(("::1", self.port), timeout=5).close()
        deadline = time.monotonic() + SLACK_S
        while self.count("::1")[0] == v6_before and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.count("::1")[0], v6_before + 1)
        before = [self.count(a)[0] for a in addresses]
        result = self.scan(excluded + allowed, "--exclude", exclude)
        self.assertEqual(sorted(result.by_line), [1, 2, 3, 4, 5, 6], result.describe())
        for line, url in enumerate(excluded, 1):
            with self.subTest(url=url):
                self.assertRow(result.by_line[line], url=url, error="excluded", status=None)
        # By name: refused before any lookup (one attempt, as docs/output.md counts it, that asked
        # nothing of DNS and connected nowhere).
        for line, name in ((1, "h460.test"), (2, "www.h461.test")):
            self.assertRow(result.by_line[line], host=name, attempts=1, ip=None, port=None,
                           dns_ms=None, error_detail="the host matches an --exclude entry")
            self.assertEqual(self.dnsmasq_queries(name), 0, name)
        # By address: h462.test was looked up, and its address matched the CIDR.
        self.assertRow(result.by_line[3], host=cidr_host,
                       error_detail="an address of the host matches an --exclude entry")
        self.assertGreater(self.dnsmasq_queries(cidr_host), 0)
        self.assertRow(result.by_line[4], host="[::1]")
        for line in (5, 6):
            self.assertRow(result.by_line[line], status=200, error=None)
        # The fixture's own count: no connection reached an excluded address; the others got theirs.
        after = [self.count(a)[0] for a in addresses]
        self.assertEqual(after[:3], before[:3])
        self.assertEqual([a - b for a, b in zip(after[3:], before[3:])], [1, 1])

    def test_bad_exclude_file_is_fatal_and_leaves_nothing(self):
        url = self.url("/", name="h464.test")
        bad = self.write_input("bad-exclude.txt", ["h1.test", "10.0.0.0/33"])
        missing = os.path.join(self.tmp, "no-such-exclude.txt")
        before = self.stats()["requests"]
        for exclude, message in ((bad, "line 2"), (missing, "no-such-exclude.txt")):
            for name in ("bad.csv", "bad.jsonl", "bad.parquet"):
                with self.subTest(exclude=exclude, output=name):
                    out_dir = tempfile.mkdtemp(prefix="bad-exclude-", dir=self.tmp)
                    output = os.path.join(out_dir, name)
                    code, out, err, _ = self.run_urlsweep(["-q", "--exclude", exclude, "-o", output,
                                                           self.write_input("one.txt", [url])])
                    self.assertEqual(code, 1, err)
                    self.assertEqual(out, "")
                    self.assertEqual(len(err.splitlines()), 1, err)
                    self.assertIn("--exclude", err)
                    self.assertIn(message, err)
                    # A run that never started leaves no output and no journal behind.
                    self.assertEqual(os.listdir(out_dir), [])
        self.assertEqual(self.stats()["requests"], before, "a request went out")


if __name__ == "__main__":
    fixtures.main()
