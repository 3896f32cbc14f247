#!/usr/bin/env python3
"""Failures after the connect: write_error, empty_response, read_reset (before and after the head),
bad_response, read_timeout, the whole --timeout budget, and which failures --retries retries. Each
case asserts the whole row (assertExactRow: every column but the timings)."""

import socket
import time

import fixtures
from fixtures import Matches

# urlsweep's limits on -H (scanner/config.cc): 64 extra headers of at most 4 KiB a line.
MAX_HEADERS = 64
MAX_HEADER_LINE = 4096


class ExchangeTest(fixtures.FixtureTestCase):

    def test_stall_reset_port_takes_little_then_resets(self):
        # The fixture alone: a client's kernel takes far less than urlsweep's largest request, and
        # the connection ends with a reset, not a byte or a clean close.
        sock = socket.create_connection(("127.0.0.1", self.stack.stall_reset_port), timeout=5)
        try:
            sock.setblocking(False)
            taken = 0
            try:
                while taken < (MAX_HEADERS * MAX_HEADER_LINE):
                    taken += sock.send(b"x" * 65536)
            except BlockingIOError:
                pass
            self.assertLess(taken, MAX_HEADERS * MAX_HEADER_LINE // 2)
            sock.settimeout(5)
            with self.assertRaises(ConnectionResetError):
                sock.recv(4096)
        finally:
            sock.close()

    def test_reset_while_sending_is_write_error(self):
        # The stall-reset port announces a tiny window and segment size and never reads, so of a
        # 256 KiB request the kernel takes about 35 KiB and urlsweep still holds the rest when the
        # RST comes, 200 ms after the accept: the write failed (not read_reset, although reading had
        # started first), and write_error is not a transient word, so no retry.
        url = "http://127.0.0.1:%d/" % self.stack.stall_reset_port
        headers = []
        for i in range(MAX_HEADERS):
            name = "X-Fill-%02d: " % i
            headers += ["-H", name + "a" * (MAX_HEADER_LINE - len(name))]
        started = time.monotonic()
        row = self.scan_one(url, "--retries", "1", *headers)
        self.assertTookLess(time.monotonic() - started, 5)
        self.assertExactRow(row, **self.base(url, name="127.0.0.1", ip="127.0.0.1",
                                             port=self.stack.stall_reset_port, error="write_error",
                                             error_detail=Matches("while sending the request")))

    def test_small_request_to_the_stall_reset_port_is_read_reset(self):
        # The same reset after a request the kernel took whole: nothing was left to send, so the
        # reset hit the wait for the answer (read_reset, retried once).
        url = "http://127.0.0.1:%d/" % self.stack.stall_reset_port
        row = self.scan_one(url, "--retries", "1")
        self.assertExactRow(row, **self.base(url, name="127.0.0.1", ip="127.0.0.1",
                                             port=self.stack.stall_reset_port, error="read_reset",
                                             error_detail=Matches("reset"), attempts=2))

    def test_close_without_a_byte_is_empty_response_and_retried(self):
        # A name of its own, so the fixture's per-address counter shows every attempt.
        name, address = "h501.test", self.address(501)
        url = self.url("/close", name=name)
        row = self.scan_one(url, "--retries", "1")
        self.assertExactRow(row, **self.base(url, name=name, n=501, error="empty_response",
                                             error_detail=Matches("closed before any"),
                                             attempts=2))
        self.assertEqual(self.count(address)[1], 2)

    def test_no_retry_with_retries_0(self):
        name, address = "h502.test", self.address(502)
        url = self.url("/close", name=name)
        row = self.scan_one(url, "--retries", "0")
        self.assertExactRow(row, **self.base(url, name=name, n=502, error="empty_response",
                                             error_detail=Matches("closed before any")))
        self.assertEqual(self.count(address)[1], 1)

    def test_reset_before_any_byte_is_read_reset_and_retried(self):
        url = self.url("/reset")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.base(url, error="read_reset", error_detail=Matches("reset"),
                                             attempts=2))

    def test_reset_mid_body_keeps_the_head(self):
        url = self.url("/reset-mid-body")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.base(url, error="read_reset", error_detail=Matches("reset"),
                                             **self.answer(content_type=fixtures.TEXT,
                                                           content_length=1000, body_bytes=100)))

    def test_non_http_bytes_are_bad_response_not_retried(self):
        name, address = "h503.test", self.address(503)
        url = self.url("/garbage", name=name)
        row = self.scan_one(url, "--retries", "1")
        self.assertExactRow(row, **self.base(url, name=name, n=503, error="bad_response",
                                             error_detail=Matches("HTTP")))
        self.assertEqual(self.count(address)[1], 1)

    def test_huge_head_is_bad_response(self):
        url = self.url("/head-large")
        row = self.scan_one(url)
        self.assertExactRow(row, **self.base(url, error="bad_response",
                                             error_detail=Matches("65536")))

    def test_silence_is_read_timeout(self):
        url = self.url("/hang")
        started = time.monotonic()
        row = self.scan_one(url, "--read-timeout", "1", "--retries", "0")
        self.assertExactRow(row, **self.base(url, error="read_timeout",
                                             error_detail=Matches("--read-timeout")))
        self.assertTookLess(time.monotonic() - started, 6)

    def test_silence_after_the_head_is_read_timeout_with_status(self):
        # The head comes at once, the first body byte only after 3 s.
        url = self.url("/slow/3000?n=2")
        row = self.scan_one(url, "--read-timeout", "1", "--retries", "0")
        self.assertExactRow(row, **self.base(url, error="read_timeout",
                                             error_detail=Matches("--read-timeout"),
                                             **self.answer(content_type=fixtures.TEXT,
                                                           content_length=2, body_bytes=0)))

    def test_whole_budget_is_timeout(self):
        url = self.url("/delay/3000")
        started = time.monotonic()
        row = self.scan_one(url, "--timeout", "1", "--retries", "0")
        self.assertExactRow(row, **self.base(url, error="timeout", error_detail=Matches("--timeout")))
        self.assertTookLess(time.monotonic() - started, 2.9)

    def test_non_transient_answers_are_not_retried(self):
        urls = [self.url("/status/500"), self.url("/status/404")]
        result = self.scan(urls, "--retries", "3")
        for line, (url, status, reason) in enumerate(
                zip(urls, (500, 404), ("Internal Server Error", "Not Found")), 1):
            title = "%d %s" % (status, reason)
            # The fixture's status page: its title, the word "status" and 71 bytes of markup.
            size = len(title) + len("status") + 71
            self.assertExactRow(result.by_line[line], **self.base(url, line=line, **self.answer(
                status=status, reason=reason, content_type=fixtures.HTML, content_length=size,
                title=title, body_bytes=size)))


if __name__ == "__main__":
    fixtures.main()
