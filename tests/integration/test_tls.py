#!/usr/bin/env python3
"""HTTPS: the tls_verify word of every kind of certificate (make_certs.sh's leaves), cert_not_after,
--tls-verify report/strict/off, --ca-file and SSL_CERT_FILE, TLS 1.2, handshake failures
(tls_timeout, tls_error, connect_reset) and redirects between http and https. TlsFixtureTest checks
the fixture's TLS listeners alone with Python's ssl module, to tell a broken fixture from a broken
scanner."""

import socket
import ssl
from urllib.parse import quote

import fixtures

# Which leaf each verifying listener serves (make_certs.sh's NAME.pem), and the tls_verify word
# urlsweep must give it when ca.pem is trusted (CONTRACT.md, tls_verify).
VERIFY_CASES = {
    "valid": ("valid.pem", "ok"),
    "expired": ("expired.pem", "expired"),
    "notyet": ("notyet.pem", "not_yet_valid"),
    "self": ("self.pem", "self_signed"),
    "untrusted": ("untrusted.pem", "untrusted"),
    "untrusted_root": ("untrusted.pem", "untrusted"),
    "wrong": ("wrong.pem", "hostname_mismatch"),
    "ip": ("ip.pem", "ok"),
}
FAILING = [key for key, (_, word) in VERIFY_CASES.items() if word != "ok"]


class TlsTest(fixtures.FixtureTestCase):

    def ca(self):
        return ["--ca-file", self.cert("ca.pem")]

    def assertCertNotAfter(self, row, leaf):
        self.assertIsNotNone(row.get("cert_not_after"), row)
        self.assertEqual(fixtures.parse_timestamp(row["cert_not_after"]),
                         fixtures.cert_not_after(self.cert(leaf)), row)

    def test_valid_chain_with_ca_file(self):
        url = self.tls_url("valid", "/title/secure")
        row = self.scan_one(url, *self.ca())
        self.assertRow(row, url=url, final_url=url, host="valid.test", ip="127.0.0.1",
                       port=self.stack.tls_ports["valid"], status=200, reason="OK", error=None,
                       title="secure", server=fixtures.SERVER, tls_version="TLSv1.3",
                       tls_verify="ok", attempts=1)
        self.assertCertNotAfter(row, "valid.pem")
        # make_certs.sh pins this leaf's expiry.
        self.assertEqual(row["cert_not_after"][:19], "2099-12-31T23:59:59")
        self.assertIsNotNone(row["tls_ms"])
        self.assertGreater(row["tls_ms"], 0)

    def test_every_leaf_gets_its_verify_word(self):
        keys = list(VERIFY_CASES)
        result = self.scan([self.tls_url(k) for k in keys], *self.ca())
        for line, key in enumerate(keys, 1):
            leaf, word = VERIFY_CASES[key]
            with self.subTest(listener=key):
                row = result.by_line[line]
                # report mode: the verification result is recorded and the exchange goes on.
                self.assertRow(row, status=200, error=None, tls_verify=word,
                               tls_version="TLSv1.3", title=fixtures.DEFAULT_TITLE,
                               port=self.stack.tls_ports[key])
                self.assertCertNotAfter(row, leaf)
                self.assertIsNotNone(row["tls_ms"])

    def test_ip_leaf_by_address(self):
        url = self.tls_url("ip")
        self.assertTrue(url.startswith("https://127.0.0.1:"), url)
        row = self.scan_one(url, *self.ca())
        self.assertRow(row, host="127.0.0.1", ip="127.0.0.1", status=200, tls_verify="ok",
                       error=None)

    def test_local_root_is_untrusted_without_ca_file(self):
        # Only ca.pem vouches for the chain, and neither the system store nor --ca-file holds it.
        row = self.scan_one(self.tls_url("valid"))
        self.assertRow(row, status=200, error=None, tls_verify="untrusted", tls_version="TLSv1.3")

    def test_ssl_cert_file_is_honoured(self):
        row = self.scan_one(self.tls_url("valid"), env={"SSL_CERT_FILE": self.cert("ca.pem")})
        self.assertRow(row, status=200, error=None, tls_verify="ok")

    def test_strict_makes_a_failed_verification_the_error(self):
        keys = ["valid"] + FAILING
        result = self.scan([self.tls_url(k) for k in keys], "--tls-verify", "strict", *self.ca())
        self.assertRow(result.by_line[1], status=200, error=None, tls_verify="ok")
        for line, key in enumerate(keys[1:], 2):
            with self.subTest(listener=key):
                self.assertRow(result.by_line[line], error="tls_verify", status=None,
                               tls_verify=VERIFY_CASES[key][1], port=self.stack.tls_ports[key])

    def test_off_does_not_verify(self):
        keys = ["valid"] + FAILING
        result = self.scan([self.tls_url(k) for k in keys], "--tls-verify", "off")
        for line, key in enumerate(keys, 1):
            with self.subTest(listener=key):
                self.assertRow(result.by_line[line], status=200, error=None, tls_verify=None,
                               tls_version="TLSv1.3", title=fixtures.DEFAULT_TITLE)

    def test_tls12_only_server(self):
        row = self.scan_one(self.tls_url("tls12"), *self.ca())
        self.assertRow(row, status=200, error=None, tls_version="TLSv1.2", tls_verify="ok")
        self.assertCertNotAfter(row, "valid.pem")

    def test_handshake_that_never_finishes_is_tls_timeout(self):
        url = self.tls_url("nohandshake")
        row = self.scan_one(url, "--connect-timeout", "1", "--retries", "1", *self.ca())
        self.assertRow(row, url=url, error="tls_timeout", status=None, ip="127.0.0.1",
                       port=self.stack.tls_ports["nohandshake"], attempts=2)

    def test_alert_is_tls_error(self):
        row = self.scan_one(self.tls_url("alert"), "--retries", "1", *self.ca())
        self.assertRow(row, error="tls_error", status=None, tls_version=None, attempts=1)
        self.assertIn("handshake failure", row["error_detail"] or "")

    def test_reset_during_handshake_is_connect_reset(self):
        row = self.scan_one(self.tls_url("reset"), "--retries", "0", *self.ca())
        self.assertRow(row, error="connect_reset", status=None, ip="127.0.0.1",
                       port=self.stack.tls_ports["reset"], attempts=1)

    def test_plain_http_port_is_tls_error(self):
        row = self.scan_one(self.tls_url("plain"), *self.ca())
        self.assertRow(row, error="tls_error", status=None, tls_version=None, attempts=1)
        self.assertIn("wrong version number", row["error_detail"] or "")

    def test_redirect_from_http_to_https(self):
        target = self.tls_url("valid", "/title/upgraded")
        url = self.url("/to?url=" + quote(target, safe=""))
        row = self.scan_one(url, "--follow", "1", *self.ca())
        self.assertRow(row, url=url, final_url=target, host="valid.test", status=200,
                       redirects=1, title="upgraded", error=None, tls_version="TLSv1.3",
                       tls_verify="ok", port=self.stack.tls_ports["valid"])
        self.assertCertNotAfter(row, "valid.pem")

    def test_redirect_from_https_to_http(self):
        target = self.url("/title/downgraded")
        url = self.tls_url("valid", "/to?url=" + quote(target, safe=""))
        row = self.scan_one(url, "--follow", "1", *self.ca())
        # The reported response came over plain http: no TLS columns.
        self.assertRow(row, url=url, final_url=target, host="h1.test", ip=self.address(1),
                       port=self.port, status=200, redirects=1, title="downgraded", error=None,
                       tls_version=None, tls_verify=None, cert_not_after=None)

    def test_absolute_redirect_stays_on_https(self):
        # The fixture's /redirect-abs builds its Location from the scheme it was reached by.
        row = self.scan_one(self.tls_url("valid", "/redirect-abs/2"), "--follow", "3", *self.ca())
        self.assertRow(row, final_url=self.tls_url("valid", "/redirect-abs/0"), status=200,
                       redirects=2, error=None, tls_verify="ok")

    def test_head_and_keepalive_over_tls(self):
        urls = [self.tls_url("valid", "/bytes/%d" % n) for n in (10, 70000, 0)]
        result = self.scan(urls, "--max-body", "100000", *self.ca())
        for line, n in enumerate((10, 70000, 0), 1):
            self.assertRow(result.by_line[line], status=200, content_length=n, body_bytes=n,
                           error=None, tls_verify="ok")
        row = self.scan_one(self.tls_url("valid", "/bytes/500"), "--method", "HEAD", *self.ca())
        self.assertRow(row, status=200, content_length=500, body_bytes=0, error=None)


class TlsFixtureTest(fixtures.FixtureTestCase):
    """The fixture's HTTPS listeners through Python's ssl module: no urlsweep involved."""

    def context(self, **kwargs):
        ctx = ssl.create_default_context(cafile=self.cert("ca.pem"))
        for key, value in kwargs.items():
            setattr(ctx, key, value)
        return ctx

    def exchange(self, key, request, ctx=None, server_hostname=None, timeout=5.0):
        """Connects to listener `key`, handshakes, sends `request`, reads until close. Returns
        (negotiated version, bytes)."""
        ctx = ctx or self.context()
        name = server_hostname or fixtures.fixture_stack.TLS_LISTENERS[key][3]
        with socket.create_connection(("127.0.0.1", self.stack.tls_ports[key]), timeout=timeout) as s:
            with ctx.wrap_socket(s, server_hostname=name) as tls:
                tls.sendall(request)
                data = b""
                while True:
                    chunk = tls.recv(65536)
                    if not chunk:
                        return tls.version(), data
                    data += chunk

    def test_valid_listener_serves_the_fixture_paths(self):
        version, data = self.exchange(
            "valid", b"GET /title/over%20tls HTTP/1.1\r\nHost: valid.test\r\nConnection: close\r\n\r\n")
        self.assertEqual(version, "TLSv1.3")
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), data[:100])
        self.assertIn(b"Server: urlsweep-fixture\r\n", data)
        self.assertIn(b"<title>over tls</title>", data)

    def test_keepalive_pipelining_and_streamed_bodies(self):
        request = (b"GET /bytes/300000 HTTP/1.1\r\nHost: valid.test\r\n\r\n"
                   b"GET /chunked/2500 HTTP/1.1\r\nHost: valid.test\r\n\r\n"
                   b"GET /keepalive-off HTTP/1.1\r\nHost: valid.test\r\n\r\n")
        _, data = self.exchange("valid", request)
        self.assertEqual(data.count(b"HTTP/1.1 200 OK\r\n"), 3)
        self.assertIn(b"Content-Length: 300000\r\n", data)
        self.assertIn(b"Transfer-Encoding: chunked\r\n", data)
        self.assertIn(b"0\r\n\r\n", data)
        self.assertTrue(data.endswith(b"</html>\n"), data[-50:])

    def test_redirect_abs_keeps_https(self):
        _, data = self.exchange(
            "valid", b"GET /redirect-abs/1 HTTP/1.1\r\nHost: valid.test:9\r\nConnection: close\r\n\r\n")
        self.assertIn(b"Location: https://valid.test:9/redirect-abs/0\r\n", data)

    def test_tls12_listener_caps_the_version(self):
        version, data = self.exchange("tls12", b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(version, "TLSv1.2")
        self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"))
        ctx = self.context(minimum_version=ssl.TLSVersion.TLSv1_3)
        with self.assertRaises(ssl.SSLError):
            self.exchange("tls12", b"", ctx=ctx)

    def test_each_leaf_fails_python_verification_as_expected(self):
        for key in FAILING:
            with self.subTest(listener=key):
                with self.assertRaises(ssl.SSLCertVerificationError):
                    self.exchange(key, b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        version, _ = self.exchange("ip", b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n",
                                   server_hostname="127.0.0.1")
        self.assertEqual(version, "TLSv1.3")

    def test_served_leaves(self):
        # The leaf certificate each listener sends first.
        for key, (leaf, _) in VERIFY_CASES.items():
            with self.subTest(listener=key):
                pem = ssl.get_server_certificate(("127.0.0.1", self.stack.tls_ports[key]))
                with open(self.cert(leaf)) as f:
                    self.assertEqual(ssl.PEM_cert_to_DER_cert(pem),
                                     ssl.PEM_cert_to_DER_cert(f.read()))

    def test_alert_listener_refuses_the_client_hello(self):
        with self.assertRaises(ssl.SSLError) as caught:
            self.exchange("alert", b"")
        self.assertIn("HANDSHAKE_FAILURE", str(caught.exception).upper())

    def test_reset_listener_resets_during_the_handshake(self):
        with self.assertRaises((ConnectionResetError, ssl.SSLEOFError, BrokenPipeError)):
            self.exchange("reset", b"")

    def test_nohandshake_listener_never_answers(self):
        with self.assertRaises(socket.timeout):
            self.exchange("nohandshake", b"", timeout=0.5)

    def test_plain_listener_answers_a_client_hello_with_http(self):
        with self.assertRaises(ssl.SSLError) as caught:
            self.exchange("plain", b"")
        self.assertIn("WRONG_VERSION_NUMBER", str(caught.exception).upper())
        with socket.create_connection(("127.0.0.1", self.stack.tls_ports["plain"]), timeout=5) as s:
            s.sendall(b"GET /title/plain HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertIn(b"<title>plain</title>", data)

    def test_plain_listener_rejects_non_http_at_the_first_byte(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            # A TLS record header: no line end, yet known not to be HTTP.
            s.sendall(b"\x16\x03\x01\x00\x05")
            self.assertTrue(s.recv(100).startswith(b"HTTP/1.1 400 Bad Request\r\n"))


if __name__ == "__main__":
    fixtures.main()
