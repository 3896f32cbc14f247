#!/usr/bin/env python3
"""Failures after the connect: empty_response, read_reset (before and after the head),
bad_response, read_timeout, the whole --timeout budget, and which failures --retries retries."""

import time

import fixtures


class ExchangeTest(fixtures.FixtureTestCase):

    def test_close_without_a_byte_is_empty_response_and_retried(self):
        # A name of its own, so the fixture's per-address counter shows every attempt.
        name, address = "h501.test", self.address(501)
        row = self.scan_one(self.url("/close", name=name), "--retries", "1")
        self.assertRow(row, error="empty_response", status=None, ip=address, attempts=2)
        self.assertEqual(self.count(address)[1], 2)

    def test_no_retry_with_retries_0(self):
        name, address = "h502.test", self.address(502)
        row = self.scan_one(self.url("/close", name=name), "--retries", "0")
        self.assertRow(row, error="empty_response", status=None, attempts=1)
        self.assertEqual(self.count(address)[1], 1)

    def test_reset_before_any_byte_is_read_reset_and_retried(self):
        row = self.scan_one(self.url("/reset"))
        self.assertRow(row, error="read_reset", status=None, attempts=2)

    def test_reset_mid_body_keeps_the_head(self):
        row = self.scan_one(self.url("/reset-mid-body"))
        self.assertRow(row, error="read_reset", status=200, reason="OK", content_length=1000,
                       body_bytes=100, attempts=1)

    def test_non_http_bytes_are_bad_response_not_retried(self):
        name, address = "h503.test", self.address(503)
        row = self.scan_one(self.url("/garbage", name=name), "--retries", "1")
        self.assertRow(row, error="bad_response", status=None, attempts=1)
        self.assertEqual(self.count(address)[1], 1)

    def test_huge_head_is_bad_response(self):
        row = self.scan_one(self.url("/head-large"))
        self.assertRow(row, error="bad_response", status=None, attempts=1)

    def test_silence_is_read_timeout(self):
        started = time.monotonic()
        row = self.scan_one(self.url("/hang"), "--read-timeout", "1", "--retries", "0")
        self.assertRow(row, error="read_timeout", status=None, attempts=1)
        self.assertLess(time.monotonic() - started, 6)

    def test_silence_after_the_head_is_read_timeout_with_status(self):
        # The head comes at once, the first body byte only after 3 s.
        row = self.scan_one(self.url("/slow/3000?n=2"), "--read-timeout", "1", "--retries", "0")
        self.assertRow(row, error="read_timeout", status=200, content_length=2)

    def test_whole_budget_is_timeout(self):
        started = time.monotonic()
        row = self.scan_one(self.url("/delay/3000"), "--timeout", "1", "--retries", "0")
        self.assertRow(row, error="timeout", status=None, attempts=1)
        self.assertLess(time.monotonic() - started, 2.9)

    def test_non_transient_answers_are_not_retried(self):
        result = self.scan([self.url("/status/500"), self.url("/status/404")], "--retries", "3")
        for row in result.rows:
            self.assertRow(row, error=None, attempts=1)


if __name__ == "__main__":
    fixtures.main()
