#!/usr/bin/env python3
"""The hostile-server catalogue (tools/README.md, "Hostile servers"): servers that send
endless or oversized heads, endless or trickling bodies, broken framings, non-HTTP/1.x answers,
answers before the request, redirects nowhere or to excluded addresses, resets, TLS alerts, and DNS
servers that answer garbage, truncate, or die mid-run. Each case asserts the whole row urlsweep
writes (assertExactRow: every column but the timings). HostileFixtureTest checks the fixture paths
themselves, without urlsweep, so that a broken fixture is told from a broken scanner."""

import os
import socket
import struct
import threading
import time
from urllib.parse import quote

import fixtures
from fixtures import Matches, OneOf

# Slack on top of a deadline, for a loaded two-core machine (under the sanitizers, upper bounds go
# through FixtureTestCase.assertTookLess).
SLACK_S = 5.0
# test_server_dies_mid_run kills its DNS server once it has logged this many queries (an A and an AAAA
# per name: about 30 of the run's 300 names answered, the other 270 left to fail).
DNS_DIES_AFTER_QUERIES = 60
# urlsweep's limit on a response head (http/response_parser.h kMaxHeaderBytes).
MAX_HEAD_BYTES = 64 * 1024
# What tools/fixture/reply.h sends: /long-header's line, the bytes after a broken framing.
LONG_HEADER_BYTES = 1 << 20
BROKEN_BODY_BYTES = 5
# The fixture's default page (tools/README.md): 89 bytes.
DEFAULT_PAGE_BYTES = 89
# A port nothing listens on: a proxy there refuses every connection.
REFUSING_PORT = 1


def raw_exchange(port, request, host="127.0.0.1", timeout=5.0, limit=None, send_after=0.0):
    """Sends `request` (after `send_after` seconds; None: never) and reads until the server closes,
    `limit` bytes arrived, or `timeout` passes. Returns (bytes, how it ended: None, 'reset',
    'timeout', 'limit')."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        if request is not None:
            if send_after:
                time.sleep(send_after)
            sock.sendall(request)
        data = b""
        while True:
            if limit is not None and len(data) >= limit:
                return data, "limit"
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return data, "reset"
            except socket.timeout:
                return data, "timeout"
            if not chunk:
                return data, None
            data += chunk
    finally:
        sock.close()


def get(path, host=b"fixture"):
    return b"GET " + path.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"


class HostileFixtureTest(fixtures.FixtureTestCase):
    """The catalogue's fixture paths on their own."""

    def test_endless_headers_never_end_the_head(self):
        data, how = raw_exchange(self.port, get("/endless-headers"), limit=4 * MAX_HEAD_BYTES)
        self.assertEqual(how, "limit")
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:80])
        self.assertNotIn(b"\r\n\r\n", data)
        self.assertIn(b"\r\nX-Fill-1000: aaa", data)

    def test_long_header_is_one_line_of_a_mebibyte(self):
        data, how = raw_exchange(self.port, get("/long-header"))
        self.assertIsNone(how)
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        longest = max(lines, key=len)
        self.assertTrue(longest.startswith(b"X-Long: aaaa"))
        self.assertEqual(len(longest) + 2, LONG_HEADER_BYTES)
        self.assertEqual(len(body), DEFAULT_PAGE_BYTES)

    def test_endless_body_is_chunked_without_end(self):
        data, how = raw_exchange(self.port, get("/endless-body"), limit=1 << 20)
        self.assertEqual(how, "limit")
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b"\r\nTransfer-Encoding: chunked", head)
        self.assertTrue(body.startswith(b"3e8\r\n" + b"x" * 1000 + b"\r\n3e8\r\n"))
        self.assertNotIn(b"\r\n0\r\n\r\n", body)

    def test_content_length_lines_are_sent_as_given(self):
        for path, lines in (("/content-length/99999999999999999999",
                             [b"Content-Length: 99999999999999999999"]),
                            ("/content-length/-1", [b"Content-Length: -1"]),
                            ("/content-length/10/20", [b"Content-Length: 10", b"Content-Length: 20"])):
            with self.subTest(path=path):
                data, how = raw_exchange(self.port, get(path))
                self.assertIsNone(how)
                head, _, body = data.partition(b"\r\n\r\n")
                self.assertEqual([l for l in head.split(b"\r\n") if l.startswith(b"Content-Length")],
                                 lines)
                self.assertEqual(body, b"x" * BROKEN_BODY_BYTES)

    def test_bad_chunk_follows_a_good_one(self):
        data, how = raw_exchange(self.port, get("/bad-chunk/zz"))
        self.assertIsNone(how)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b"\r\nTransfer-Encoding: chunked", head)
        self.assertNotIn(b"Content-Length", head)
        self.assertEqual(body, b"5\r\nxxxxx\r\nzz\r\nxxxxx\r\n0\r\n\r\n")

    def test_http09_is_a_bare_body(self):
        data, how = raw_exchange(self.port, get("/http09"))
        self.assertIsNone(how)
        self.assertTrue(data.startswith(b"<!doctype html>"), data[:40])
        self.assertEqual(len(data), DEFAULT_PAGE_BYTES)

    def test_status_line_of_another_version(self):
        for version in (b"2.0", b"1.2", b"0.9"):
            data, how = raw_exchange(self.port, get("/version/" + version.decode()))
            self.assertIsNone(how)
            head, _, body = data.partition(b"\r\n\r\n")
            self.assertTrue(head.startswith(b"HTTP/" + version + b" 200 OK\r\n"), head[:40])
            self.assertIn(b"\r\nContent-Length: %d\r\n" % DEFAULT_PAGE_BYTES, head)
            self.assertEqual(len(body), DEFAULT_PAGE_BYTES)

    def test_nul_byte_in_a_header_value(self):
        data, _ = raw_exchange(self.port, get("/nul-header"))
        self.assertIn(b"\r\nX-Nul: before\x00after\r\n", data.partition(b"\r\n\r\n")[0] + b"\r\n")

    def test_retry_after_once_per_host_then_the_page(self):
        first, _ = raw_exchange(self.port, get("/retry-after/7", host=b"once.test:1"))
        again, _ = raw_exchange(self.port, get("/retry-after/7", host=b"ONCE.test"))
        other, _ = raw_exchange(self.port, get("/retry-after/7", host=b"other.test"))
        self.assertTrue(first.startswith(b"HTTP/1.1 429 Too Many Requests\r\n"), first[:60])
        self.assertIn(b"\r\nRetry-After: 7\r\n", first)
        self.assertTrue(again.startswith(b"HTTP/1.1 200 OK\r\n"), again[:60])
        self.assertNotIn(b"Retry-After", again)
        self.assertTrue(other.startswith(b"HTTP/1.1 429 "), other[:60])
        for _ in range(2):
            always, _ = raw_exchange(self.port, get("/retry-after/Wed,%2021%20Oct%202099%2007:28:00%20GMT"
                                                    "?status=503&always", host=b"always.test"))
            self.assertTrue(always.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), always[:60])
            self.assertIn(b"\r\nRetry-After: Wed, 21 Oct 2099 07:28:00 GMT\r\n", always)

    def test_early_port_answers_before_the_request(self):
        # Nothing is sent at all, and the answer comes anyway.
        data, how = raw_exchange(self.stack.early_port, None, timeout=5)
        self.assertIn(how, (None, "timeout"))
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:60])
        self.assertIn(b"\r\nConnection: close\r\n", data)
        self.assertEqual(len(data.partition(b"\r\n\r\n")[2]), DEFAULT_PAGE_BYTES)

    def test_dns_noise_matches_no_query(self):
        port = self.stack.dns_fixture_port
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.settimeout(2)
        try:
            message = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x06noise1\x04test\x00" + \
                struct.pack("!HH", 1, 1)
            sock.sendto(message, ("127.0.0.1", port))
            reply, _ = sock.recvfrom(4096)
        finally:
            sock.close()
        self.assertNotEqual(reply[:2], b"\x12\x34")
        self.assertNotIn(b"\x06noise1\x04test\x00", reply)


class HostileServerTest(fixtures.FixtureTestCase):
    """What urlsweep writes for each hostile answer."""

    def test_endless_headers_are_bad_response_once_the_head_limit_is_hit(self):
        url = self.url("/endless-headers")
        started = time.monotonic()
        row = self.scan_one(url, "--retries", "1")
        # urlsweep gave up at its head limit: it did not read the fixture's gigabyte.
        self.assertTookLess(time.monotonic() - started, SLACK_S)
        self.assertExactRow(row, **self.base(url, error="bad_response",
                                             error_detail=Matches("65536")))

    def test_one_header_line_of_a_mebibyte_is_bad_response(self):
        url = self.url("/long-header")
        self.assertExactRow(self.scan_one(url), **self.base(url, error="bad_response",
                                                            error_detail=Matches("65536")))

    def test_endless_body_is_capped_by_max_body(self):
        url = self.url("/endless-body")
        for max_body in ("100000", "1"):
            with self.subTest(max_body=max_body):
                row = self.scan_one(url, "--max-body", max_body)
                self.assertExactRow(row, **self.base(url, **self.answer(
                    content_type=fixtures.TEXT, body_bytes=int(max_body))))

    def test_one_byte_a_second_runs_out_of_the_whole_budget(self):
        # Each byte comes within --read-timeout, so only --timeout can end it: after the head and two
        # or three bytes.
        url = self.url("/slow/1000?n=60")
        started = time.monotonic()
        row = self.scan_one(url, "--timeout", "3", "--read-timeout", "2")
        self.assertTookLess(time.monotonic() - started, 3 + SLACK_S)
        self.assertExactRow(row, **self.base(url, error="timeout", error_detail=Matches("timeout"),
                                             **self.answer(content_type=fixtures.TEXT,
                                                           content_length=60,
                                                           body_bytes=OneOf(2, 3))))

    def test_broken_content_lengths_are_bad_response(self):
        # RFC 9112 section 6.3: an invalid Content-Length makes the framing unrecoverable; the
        # response is discarded, so no status is reported.
        cases = {"/content-length/99999999999999999999": "overflow",
                 "/content-length/-1": "Content-Length",
                 "/content-length/10/20": "Content-Length"}
        urls = [self.url(path) for path in cases]
        result = self.scan(urls, "--retries", "1")
        for line, (url, word) in enumerate(zip(urls, cases.values()), 1):
            with self.subTest(url=url):
                self.assertExactRow(result.by_line[line], **self.base(
                    url, line=line, error="bad_response", error_detail=Matches("(?i)" + word)))

    def test_bad_chunk_sizes_keep_the_status(self):
        sizes = ["zz", "-1", "fffffffffffffffffffff"]
        urls = [self.url("/bad-chunk/" + size) for size in sizes]
        result = self.scan(urls, "--retries", "1")
        for line, url in enumerate(urls, 1):
            with self.subTest(url=url):
                # The head and the first good chunk arrived: status and 5 body bytes, then the error.
                self.assertExactRow(result.by_line[line], **self.base(
                    url, line=line, error="bad_response", error_detail=Matches("(?i)chunk"),
                    **self.answer(content_type=fixtures.TEXT, body_bytes=BROKEN_BODY_BYTES)))

    def test_answer_before_the_request_is_an_answer(self):
        url = "http://127.0.0.1:%d/anything" % self.stack.early_port
        row = self.scan_one(url)
        self.assertExactRow(row, **self.base(url, name="127.0.0.1", ip="127.0.0.1",
                                             port=self.stack.early_port, **self.answer(
                                                 content_type=fixtures.HTML,
                                                 content_length=DEFAULT_PAGE_BYTES,
                                                 title=fixtures.DEFAULT_TITLE,
                                                 body_bytes=DEFAULT_PAGE_BYTES)))

    def test_http09_is_bad_response(self):
        url = self.url("/http09")
        self.assertExactRow(self.scan_one(url, "--retries", "1"), **self.base(
            url, error="bad_response", error_detail=Matches("HTTP")))

    def test_status_line_of_another_version_is_bad_response(self):
        # On an HTTP/1.x connection only an HTTP/1.x status line is an answer (RFC 9112 section 2.3):
        # "HTTP/2.0 200 OK" and "HTTP/0.9 200 OK" are not, nor "HTTP/1.2", which strict llhttp rejects.
        urls = [self.url("/version/2.0"), self.url("/version/0.9"), self.url("/version/1.2")]
        result = self.scan(urls, "--retries", "1")
        for line, url in enumerate(urls, 1):
            with self.subTest(url=url):
                self.assertExactRow(result.by_line[line], **self.base(
                    url, line=line, error="bad_response", error_detail=Matches("(?i)version")))

    def test_status_000_is_bad_response_and_999_an_answer(self):
        urls = [self.url("/status/000"), self.url("/status/999")]
        result = self.scan(urls)
        # RFC 9110 section 15: status codes are 100..599; "000" is no answer, 999 an unknown one.
        self.assertExactRow(result.by_line[1], **self.base(urls[0], error="bad_response",
                                                           error_detail=Matches("100")))
        self.assertExactRow(result.by_line[2], **self.base(urls[1], line=2, **self.answer(
            status=999, reason="Unknown", content_type=fixtures.HTML, content_length=88,
            title="999 Unknown", body_bytes=88)))

    def test_nul_in_a_header_is_bad_response(self):
        # RFC 9110 section 5.5 lets a recipient reject such a message; urlsweep does.
        url = self.url("/nul-header")
        self.assertExactRow(self.scan_one(url), **self.base(url, error="bad_response",
                                                            error_detail=Matches("(?i)header")))

    def test_location_to_another_scheme_is_reported_not_followed(self):
        targets = ["ftp://files.test/x", "mailto:a@b.test", "javascript:alert(1)"]
        urls = [self.url("/to?url=" + quote(t, safe="")) for t in targets]
        result = self.scan(urls, "--follow", "3")
        for line, (url, target) in enumerate(zip(urls, targets), 1):
            with self.subTest(target=target):
                self.assertExactRow(result.by_line[line], **self.base(url, line=line, **self.answer(
                    status=302, reason="Found", location=target, content_type=fixtures.HTML,
                    content_length=90, title="redirect", body_bytes=90)))

    def test_location_to_an_excluded_address_is_never_connected(self):
        # h610's address as a literal, h611 by name, and h612 whose name resolves to an excluded address.
        literal, named, resolved = self.address(610), "h611.test", "h612.test"
        exclude = self.write_input("exclude.txt", [literal, named, self.address(612)])
        targets = [("http://%s:%d/" % (literal, self.port), literal),
                   ("http://%s:%d/" % (named, self.port), named),
                   ("http://%s:%d/" % (resolved, self.port), resolved)]
        urls = [self.url("/to?url=" + quote(t, safe="")) for t, _ in targets]
        before = [self.count(self.address(n))[0] for n in (610, 611, 612)]
        result = self.scan(urls, "--follow", "3", "--exclude", exclude)
        for line, (url, (target, host)) in enumerate(zip(urls, targets), 1):
            with self.subTest(target=target):
                self.assertExactRow(result.by_line[line], line=line, url=url, final_url=target,
                                    host=host, error="excluded", error_detail=Matches("exclude"),
                                    redirects=1, attempts=1)
        # The fixture's own count: not one connection reached those addresses.
        self.assertEqual([self.count(self.address(n))[0] for n in (610, 611, 612)], before)

    def test_excluded_address_is_never_connected_from_the_list_or_a_chain(self):
        # Listed: h630's and h632's addresses, h631.test by name. Reached through them: h630.test (an
        # input name whose address is listed), h632's address as a literal and as an IPv4-mapped IPv6
        # literal (the same host over another family), and two-hop chains ending at h631.test and at
        # the mapped literal. h633.test, listed nowhere, ends a chain too: the count that must not move
        # for the others does move for it.
        a630, a632, a633 = self.address(630), self.address(632), self.address(633)
        exclude = self.write_input("exclude-list.txt", [a630, "h631.test", a632])
        mapped = "[::ffff:%s]" % a632

        def chain(target, hops):
            for _ in range(hops):
                target = self.url("/to?url=" + quote(target, safe=""))
            return target

        by_name = "the host matches an --exclude entry"
        by_address = "an address of the host matches an --exclude entry"
        named, literal = self.url("/", name="h631.test"), "http://%s:%d/x" % (mapped, self.port)
        cases = [  # (url, final_url, host, error_detail, redirects)
            (self.url("/", name="h630.test"), None, "h630.test", by_address, 0),
            ("http://%s:%d/" % (a632, self.port), None, a632, by_name, 0),
            ("http://%s:%d/" % (mapped, self.port), None, mapped, by_name, 0),
            (chain(named, 2), named, "h631.test", by_name, 2),
            (chain(literal, 2), literal, mapped, by_name, 2),
        ]
        control = chain(self.url("/", name="h633.test"), 2)
        watched = [a630, self.address(631), a632, a633]
        before = [self.count(a)[0] for a in watched]
        result = self.scan([url for url, *_ in cases] + [control], "--follow", "3", "--exclude", exclude)
        for line, (url, final_url, host, detail, redirects) in enumerate(cases, 1):
            with self.subTest(url=url):
                self.assertExactRow(result.by_line[line], line=line, url=url, final_url=final_url or url,
                                    host=host, error="excluded", error_detail=detail,
                                    redirects=redirects, attempts=1)
        self.assertRow(result.by_line[len(cases) + 1], status=200, error=None, host="h633.test",
                       ip=a633, redirects=2)
        # The fixture's own count: not one connection reached an excluded address; h633 got its one.
        after = [self.count(a)[0] for a in watched]
        self.assertEqual([b - a for a, b in zip(before, after)], [0, 0, 0, 1])

    def test_excluded_address_beyond_the_eight_kept_is_never_connected(self):
        # dns_fixture's many* names have 40 A records, always in one order: more than the 8 urlsweep
        # keeps per name, and more than a 512-byte UDP answer holds, so it comes truncated (TC) over
        # UDP and whole over TCP. --exclude holds on every address a name resolves to.
        dns = fixtures.dns_fixture
        port = self.stack.dns_fixture_port
        order = dns.many_addresses()
        rcode, flags, records = dns.query("127.0.0.1", port, "many1.test")
        self.assertTrue(flags & 0x0200, "the UDP answer should be truncated (TC)")
        self.assertEqual([rdata for _, _, rdata in records], order[:len(records)])
        self.assertLess(len(records), len(order))
        rcode, flags, records = dns.query("127.0.0.1", port, "many1.test", tcp=True)
        self.assertEqual((rcode, flags & 0x0200, [rdata for _, _, rdata in records]), (0, 0, order))
        self.assertEqual(len(order), 40)

        resolver = "127.0.0.1:%d" % port
        # Unlisted: the first address answers.
        url = self.url("/", name="many1.test")
        self.assertExactRow(self.scan_one(url, "--resolver", resolver), **self.base(
            url, "many1.test", ip=order[0], **self.answer(
                content_type=fixtures.HTML, content_length=DEFAULT_PAGE_BYTES, title=fixtures.DEFAULT_TITLE,
                body_bytes=DEFAULT_PAGE_BYTES)))
        self.assertGreaterEqual(self.dns_fixture_queries("many1.test", "tcp"), 1)
        # The 30th address listed: nothing is contacted, not even the first eight.
        url = self.url("/", name="many2.test")
        exclude = self.write_input("exclude-many.txt", [order[29]])
        before = [self.count(a)[0] for a in order]
        row = self.scan_one(url, "--resolver", resolver, "--exclude", exclude)
        self.assertExactRow(row, line=1, url=url, final_url=url, host="many2.test", error="excluded",
                            error_detail="an address of the host matches an --exclude entry",
                            redirects=0, attempts=1)
        self.assertGreaterEqual(self.dns_fixture_queries("many2.test", "tcp"), 1)
        # The fixture's own count: not one connection to any of the 40 addresses.
        self.assertEqual([self.count(a)[0] for a in order], before)

    def test_exclusion_through_a_proxy_checks_the_host_as_written(self):
        # The proxy resolves names, so urlsweep checks the host as the URL writes it: a listed address,
        # its IPv4-mapped literal and a listed name are excluded; a name whose address alone is listed
        # goes to the proxy (README, "Exclusions"). This proxy refuses every connection: proxy_error.
        a640 = self.address(640)
        exclude = self.write_input("exclude-proxied.txt", [a640, "h641.test"])
        urls = ["http://%s:%d/" % (a640, self.port), "http://[::ffff:%s]:%d/" % (a640, self.port),
                self.url("/", name="h641.test"), self.url("/", name="h640.test")]
        result = self.scan(urls, "--proxy", "http://127.0.0.1:%d" % REFUSING_PORT, "--exclude", exclude)
        for line in (1, 2, 3):
            with self.subTest(url=urls[line - 1]):
                self.assertRow(result.by_line[line], error="excluded", ip=None, port=None,
                               error_detail="the host matches an --exclude entry")
        self.assertRow(result.by_line[4], error="proxy_error", ip="127.0.0.1", port=REFUSING_PORT)

    def test_reset_mid_body_keeps_the_status(self):
        url = self.url("/reset-mid-body")
        self.assertExactRow(self.scan_one(url, "--retries", "1"), **self.base(
            url, error="read_reset", error_detail=Matches("reset"), **self.answer(
                content_type=fixtures.TEXT, content_length=1000, body_bytes=100)))

    def test_tls_alert_mid_handshake_is_tls_error(self):
        url = self.tls_url("alert")
        row = self.scan_one(url, "--retries", "1", "--ca-file", self.cert("ca.pem"))
        self.assertExactRow(row, **self.base(url, name="valid.test", ip="127.0.0.1",
                                             port=self.stack.tls_ports["alert"], error="tls_error",
                                             error_detail=Matches("handshake failure")))


class HostileDnsTest(fixtures.FixtureTestCase):
    """DNS servers that answer garbage, truncate, or die."""

    def base(self, url, name, **fields):
        row = {"line": 1, "url": url, "final_url": url, "host": name, "redirects": 0, "attempts": 1}
        row.update(fields)
        return row

    def test_garbage_answers(self):
        resolver = "127.0.0.1:%d" % self.stack.dns_fixture_port
        garbage, noise = self.url("/", name="garbage7.test"), self.url("/", name="noise7.test")
        started = time.monotonic()
        result = self.scan([garbage, noise], "--resolver", resolver, "--dns-timeout", "1",
                           "--retries", "1")
        self.assertTookLess(time.monotonic() - started, 2 + SLACK_S)
        # A reply to our query whose records cannot be parsed: a failure other than the listed ones
        # (dns_error, not retried). Noise that matches no query: no answer in time (dns_timeout,
        # retried once).
        self.assertExactRow(result.by_line[1], **self.base(garbage, "garbage7.test", error="dns_error",
                                                          error_detail=Matches("(?i)malformed")))
        self.assertExactRow(result.by_line[2], **self.base(noise, "noise7.test", line=2,
                                                          error="dns_timeout", attempts=2,
                                                          error_detail=Matches("(?i)answer")))

    def test_truncated_answer_falls_back_to_tcp(self):
        url = self.url("/", name="trunc7.test")
        row = self.scan_one(url, "--resolver", "127.0.0.1:%d" % self.stack.dns_fixture_port)
        self.assertExactRow(row, **self.base(
            url, "trunc7.test", ip="127.0.0.1", port=self.port, status=200, reason="OK",
            http_version="1.1", server=fixtures.SERVER, content_type=fixtures.HTML,
            content_length=DEFAULT_PAGE_BYTES, title=fixtures.DEFAULT_TITLE,
            body_bytes=DEFAULT_PAGE_BYTES))
        self.assertGreaterEqual(self.dns_fixture_queries("trunc7.test", "tcp"), 1)

    def assertAliveOrDead(self, row, alive):
        """A row of a name the dying server answered (alive) or did not (dead: dns_timeout, retried)."""
        if alive:
            self.assertExactRow(row, **self.base(
                row["url"], row["host"], line=row["line"], ip="127.0.0.1", port=self.port, status=200,
                reason="OK", http_version="1.1", server=fixtures.SERVER, content_type=fixtures.HTML,
                content_length=DEFAULT_PAGE_BYTES, title=fixtures.DEFAULT_TITLE,
                body_bytes=DEFAULT_PAGE_BYTES))
        else:
            self.assertExactRow(row, **self.base(row["url"], row["host"], line=row["line"],
                                                 error="dns_timeout", attempts=2,
                                                 error_detail=Matches("DNS server")))

    def test_server_dies_between_two_scans(self):
        role = "dns-dies-between"
        resolver = "127.0.0.1:%d" % self.stack.start_extra_dns_fixture(role)
        first = self.scan([self.url("/", name="before%d.test" % i) for i in range(5)],
                          "--resolver", resolver, "--dns-timeout", "1")
        self.stack.kill_extra(role)
        started = time.monotonic()
        second = self.scan([self.url("/", name="after%d.test" % i) for i in range(5)],
                           "--resolver", resolver, "--dns-timeout", "1")
        # Two attempts of one second at most each, all five names at once: no hang.
        self.assertTookLess(time.monotonic() - started, 2 + SLACK_S)
        self.assertEqual(sorted(first.by_line), [1, 2, 3, 4, 5])
        self.assertEqual(sorted(second.by_line), [1, 2, 3, 4, 5])
        for row in first.rows:
            self.assertAliveOrDead(row, alive=True)
        for row in second.rows:
            self.assertAliveOrDead(row, alive=False)

    def test_server_dies_mid_run(self):
        role = "dns-dies-mid-run"
        resolver = "127.0.0.1:%d" % self.stack.start_extra_dns_fixture(role)
        count = 300
        urls = [self.url("/", name="mid%d.test" % i) for i in range(count)]
        # --rate 100 spreads the 300 lookups over three seconds; the server dies once it has answered
        # the first few (DNS_DIES_AFTER_QUERIES), however long a slow machine takes to get there.
        log = os.path.join(self.stack.dir, role + ".log")
        scan_done = threading.Event()

        def queries_seen():
            try:
                with open(log) as f:
                    return sum(1 for _ in f)
            except FileNotFoundError:
                return 0

        def kill_once_answering():
            try:
                fixtures.wait_until(
                    lambda: scan_done.is_set() or queries_seen() >= DNS_DIES_AFTER_QUERIES,
                    "%d queries at the dying DNS server" % DNS_DIES_AFTER_QUERIES)
            finally:
                self.stack.kill_extra(role)

        killer = threading.Thread(target=kill_once_answering, daemon=True)
        killer.start()
        started = time.monotonic()
        try:
            result = self.scan(urls, "--resolver", resolver, "--rate", "100", "--dns-timeout", "1")
        finally:
            scan_done.set()
            killer.join()
        elapsed = time.monotonic() - started
        self.assertTookLess(elapsed, count / 100 + 2 + SLACK_S, "the run hung after its resolver died")
        self.assertEqual(sorted(result.by_line), list(range(1, count + 1)), "rows are missing")
        alive = sorted(line for line, row in result.by_line.items() if row["error"] is None)
        dead = sorted(line for line, row in result.by_line.items() if row["error"] is not None)
        self.assertTrue(alive and dead, "the server died %s" % ("before the run" if not alive
                                                                 else "after the run"))
        # Lookups start in line order: every one after the death fails, every one before succeeded.
        self.assertLess(alive[-1], dead[0])
        for line, row in result.by_line.items():
            self.assertAliveOrDead(row, alive=line in alive)


if __name__ == "__main__":
    fixtures.main()
