#!/usr/bin/env python3
"""HTTPS: the tls_verify word of every kind of certificate (make_certs.sh's leaves), revocation by
stapled OCSP, cert_not_after, --tls-verify report/strict/off, --ca-file, SSL_CERT_FILE and
SSL_CERT_DIR, TLS 1.2, handshake failures (tls_timeout, tls_error, connect_reset), a TLS stream that
ends without close_notify (read_reset) and redirects between http and https, each asserted as the
whole row (assertExactRow: every column but the timings). TlsFixtureTest checks the fixture's TLS
listeners alone with Python's ssl module and `openssl s_client`, to tell a broken fixture from a
broken scanner."""

import os
import shutil
import socket
import ssl
import subprocess
from urllib.parse import quote

import fixtures
from fixtures import Matches

# Which leaf each verifying listener serves (make_certs.sh's NAME.pem), and the tls_verify word
# urlsweep must give it when ca.pem is trusted (docs/https-proxies-redirects.md, tls_verify).
VERIFY_CASES = {
    "valid": ("valid.pem", "ok"),
    "expired": ("expired.pem", "expired"),
    "notyet": ("notyet.pem", "not_yet_valid"),
    "self": ("self.pem", "self_signed"),
    "untrusted": ("untrusted.pem", "untrusted"),
    "untrusted_root": ("untrusted.pem", "untrusted"),
    "wrong": ("wrong.pem", "hostname_mismatch"),
    "ip": ("ip.pem", "ok"),
    "invalid": ("invalid.pem", "invalid"),
    # Stapled OCSP: "revoked" signed by the issuer; "good"; "revoked" signed by an untrusted root
    # (ignored, so the leaf is what its chain says).
    "revoked": ("revoked.pem", "revoked"),
    "ocsp_good": ("valid.pem", "ok"),
    "ocsp_forged": ("revoked.pem", "ok"),
}
FAILING = [key for key, (_, word) in VERIFY_CASES.items() if word != "ok"]
# The failures a verifier without revocation checking (Python's ssl) sees too.
CHAIN_FAILING = [key for key in FAILING if key != "revoked"]
# error_detail under --tls-verify strict: OpenSSL's text for the chain (X509_verify_cert_error_string),
# urlsweep's own for a stapled revocation.
STRICT_DETAILS = {
    "expired": "certificate has expired",
    "notyet": "certificate is not yet valid",
    "self": "self-signed certificate",
    "untrusted": "unable to get local issuer certificate",
    "untrusted_root": "self-signed certificate in certificate chain",
    "wrong": "hostname mismatch",
    "invalid": "unsuitable certificate purpose",
    "revoked": "certificate revoked (stapled OCSP)",
}
# The fixture's `/` page (tools/README.md).
DEFAULT_PAGE_BYTES = 89
# /tls-truncate (tools/fixture/reply.h kResetMidBodyLength, kResetMidBodySent).
TRUNCATE_LENGTH = 1000
TRUNCATE_SENT = 100


def timestamp(when):
    """A timestamp as urlsweep writes it (docs/output.md: microseconds, 'Z')."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class TlsTest(fixtures.FixtureTestCase):

    def ca(self):
        return ["--ca-file", self.cert("ca.pem")]

    def not_after(self, leaf):
        """cert_not_after as urlsweep must write it for make_certs.sh's `leaf`."""
        return timestamp(fixtures.cert_not_after(self.cert(leaf)))

    def base(self, key, path="/", line=1, **fields):
        """The fields of a row for listener `key`'s URL fetched once, plus `fields`."""
        url = self.tls_url(key, path)
        row = {"line": line, "url": url, "final_url": url,
               "host": fixtures.fixture_stack.TLS_LISTENERS[key][3], "ip": "127.0.0.1",
               "port": self.stack.tls_ports[key], "redirects": 0, "attempts": 1}
        row.update(fields)
        return row

    def page(self, leaf, word, version="TLSv1.3", **fields):
        """The response and TLS columns of the fixture's `/` page over a handshake with `leaf`."""
        row = {"status": 200, "reason": "OK", "http_version": "1.1", "server": fixtures.SERVER,
               "content_type": fixtures.HTML, "content_length": DEFAULT_PAGE_BYTES,
               "title": fixtures.DEFAULT_TITLE, "body_bytes": DEFAULT_PAGE_BYTES,
               "tls_version": version, "tls_verify": word, "cert_not_after": self.not_after(leaf)}
        row.update(fields)
        return row

    def test_valid_chain_with_ca_file(self):
        row = self.scan_one(self.tls_url("valid", "/title/secure"), *self.ca())
        self.assertExactRow(row, **self.base("valid", "/title/secure", **self.page(
            "valid.pem", "ok", title="secure", content_length=88, body_bytes=88)))
        # make_certs.sh pins this leaf's expiry.
        self.assertEqual(row["cert_not_after"], "2099-12-31T23:59:59.000000Z")
        self.assertGreater(row["tls_ms"], 0)

    def test_every_leaf_gets_its_verify_word(self):
        keys = list(VERIFY_CASES)
        result = self.scan([self.tls_url(k) for k in keys], *self.ca())
        for line, key in enumerate(keys, 1):
            leaf, word = VERIFY_CASES[key]
            with self.subTest(listener=key):
                # report mode: the verification result is recorded and the exchange goes on.
                row = result.by_line[line]
                self.assertExactRow(row, **self.base(key, line=line, **self.page(leaf, word)))
                self.assertIsNotNone(row["tls_ms"])

    def test_ip_leaf_by_address(self):
        url = self.tls_url("ip")
        self.assertTrue(url.startswith("https://127.0.0.1:"), url)
        self.assertExactRow(self.scan_one(url, *self.ca()), **self.base("ip", **self.page("ip.pem", "ok")))

    def test_local_root_is_untrusted_without_ca_file(self):
        # Only ca.pem vouches for the chain, and neither the system store nor --ca-file holds it.
        self.assertExactRow(self.scan_one(self.tls_url("valid")),
                            **self.base("valid", **self.page("valid.pem", "untrusted")))

    def test_a_revoked_leaf_needs_a_trusted_chain_to_be_found_revoked(self):
        # The chain's failure wins: without ca.pem, the staple's signer cannot be trusted either.
        self.assertExactRow(self.scan_one(self.tls_url("revoked")),
                            **self.base("revoked", **self.page("revoked.pem", "untrusted")))

    def test_ssl_cert_file_is_honoured(self):
        row = self.scan_one(self.tls_url("valid"), env={"SSL_CERT_FILE": self.cert("ca.pem")})
        self.assertExactRow(row, **self.base("valid", **self.page("valid.pem", "ok")))

    def test_ssl_cert_dir_is_honoured(self):
        # A hashed directory as `openssl rehash` makes it: <subject hash>.0 -> the root.
        cert_dir = os.path.join(self.tmp, "cert-dir")
        os.makedirs(cert_dir, exist_ok=True)
        subject_hash = subprocess.run(
            ["openssl", "x509", "-subject_hash", "-noout", "-in", self.cert("ca.pem")],
            check=True, capture_output=True, text=True, timeout=30).stdout.strip()
        shutil.copy(self.cert("ca.pem"), os.path.join(cert_dir, "local-ca.pem"))
        link = os.path.join(cert_dir, subject_hash + ".0")
        if not os.path.lexists(link):
            os.symlink("local-ca.pem", link)
        url = self.tls_url("valid")
        result = self.scan([url, self.tls_url("expired")], env={"SSL_CERT_DIR": cert_dir})
        self.assertExactRow(result.by_line[1], **self.base("valid", **self.page("valid.pem", "ok")))
        self.assertExactRow(result.by_line[2], **self.base("expired", line=2, **self.page(
            "expired.pem", "expired")))
        # The directory is what made the difference.
        self.assertEqual(self.scan_one(url, env={"SSL_CERT_DIR": self.tmp})["tls_verify"], "untrusted")

    def test_strict_makes_a_failed_verification_the_error(self):
        keys = ["valid"] + FAILING
        result = self.scan([self.tls_url(k) for k in keys], "--tls-verify", "strict", *self.ca())
        self.assertExactRow(result.by_line[1], **self.base("valid", **self.page("valid.pem", "ok")))
        for line, key in enumerate(keys[1:], 2):
            with self.subTest(listener=key):
                # No response, and no TLS columns but the verdict: the handshake failed.
                self.assertExactRow(result.by_line[line], **self.base(
                    key, line=line, error="tls_verify", error_detail=STRICT_DETAILS[key],
                    tls_verify=VERIFY_CASES[key][1]))

    def test_off_does_not_verify(self):
        keys = ["valid"] + FAILING
        result = self.scan([self.tls_url(k) for k in keys], "--tls-verify", "off")
        for line, key in enumerate(keys, 1):
            with self.subTest(listener=key):
                self.assertExactRow(result.by_line[line], **self.base(
                    key, line=line, **self.page(VERIFY_CASES[key][0], None)))

    def test_tls12_only_server(self):
        self.assertExactRow(self.scan_one(self.tls_url("tls12"), *self.ca()),
                            **self.base("tls12", **self.page("valid.pem", "ok", version="TLSv1.2")))

    def test_handshake_that_never_finishes_is_tls_timeout(self):
        row = self.scan_one(self.tls_url("nohandshake"), "--connect-timeout", "1", "--retries", "1",
                            *self.ca())
        self.assertExactRow(row, **self.base("nohandshake", error="tls_timeout",
                                             error_detail=Matches("(?i)handshake"), attempts=2))

    def test_alert_is_tls_error(self):
        row = self.scan_one(self.tls_url("alert"), "--retries", "1", *self.ca())
        self.assertExactRow(row, **self.base("alert", error="tls_error",
                                             error_detail="sslv3 alert handshake failure"))

    def test_reset_during_handshake_is_connect_reset(self):
        row = self.scan_one(self.tls_url("reset"), "--retries", "0", *self.ca())
        self.assertExactRow(row, **self.base("reset", error="connect_reset",
                                             error_detail=Matches("(?i)reset")))

    def test_plain_http_port_is_tls_error(self):
        row = self.scan_one(self.tls_url("plain"), *self.ca())
        self.assertExactRow(row, **self.base("plain", error="tls_error",
                                             error_detail="wrong version number"))

    def test_tls_ending_without_close_notify_is_read_reset(self):
        # Content-Length 1000, 100 bytes, then FIN without close_notify: a truncated response.
        row = self.scan_one(self.tls_url("valid", "/tls-truncate"), "--retries", "1", *self.ca())
        self.assertExactRow(row, **self.base("valid", "/tls-truncate", **self.page(
            "valid.pem", "ok", content_type=fixtures.TEXT, content_length=TRUNCATE_LENGTH,
            title=None, body_bytes=TRUNCATE_SENT, error="read_reset",
            error_detail="TLS connection ended uncleanly before the response was complete")))

    def test_redirect_from_http_to_https(self):
        target = self.tls_url("valid", "/title/upgraded")
        url = self.url("/to?url=" + quote(target, safe=""))
        row = self.scan_one(url, "--follow", "1", *self.ca())
        self.assertRow(row, url=url, final_url=target, host="valid.test", status=200,
                       redirects=1, title="upgraded", error=None, tls_version="TLSv1.3",
                       tls_verify="ok", port=self.stack.tls_ports["valid"],
                       cert_not_after=self.not_after("valid.pem"))

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

    def exchange(self, key, request, ctx=None, server_hostname=None, timeout=5.0,
                 suppress_ragged_eofs=True):
        """Connects to listener `key`, handshakes, sends `request`, reads until close. Returns
        (negotiated version, bytes). With suppress_ragged_eofs=False, an end without close_notify
        raises ssl.SSLEOFError."""
        ctx = ctx or self.context()
        name = server_hostname or fixtures.fixture_stack.TLS_LISTENERS[key][3]
        with socket.create_connection(("127.0.0.1", self.stack.tls_ports[key]), timeout=timeout) as s:
            with ctx.wrap_socket(s, server_hostname=name,
                                 suppress_ragged_eofs=suppress_ragged_eofs) as tls:
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
        for key in CHAIN_FAILING:
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

    def test_stapling_listeners_staple_their_ocsp_response(self):
        # openssl s_client -status prints the staple it got; </dev/null ends it after the handshake.
        for key, status in (("revoked", "revoked"), ("ocsp_good", "good"), ("ocsp_forged", "revoked"),
                            ("valid", None)):
            with self.subTest(listener=key):
                out = subprocess.run(
                    ["openssl", "s_client", "-connect", "127.0.0.1:%d" % self.stack.tls_ports[key],
                     "-servername", fixtures.fixture_stack.TLS_LISTENERS[key][3], "-status"],
                    stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30).stdout
                if status is None:
                    self.assertIn("OCSP response: no response sent", out)
                else:
                    self.assertIn("OCSP Response Status: successful", out)
                    self.assertIn("Cert Status: " + status, out)

    def test_tls_truncate_ends_without_close_notify(self):
        request = b"GET /tls-truncate HTTP/1.1\r\nHost: valid.test\r\nConnection: close\r\n\r\n"
        with self.assertRaises(ssl.SSLEOFError):
            self.exchange("valid", request, suppress_ragged_eofs=False)
        _, data = self.exchange("valid", request)
        head, _, body = data.partition(b"\r\n\r\n")
        self.assertIn(b"\r\nContent-Length: %d\r\n" % TRUNCATE_LENGTH, head + b"\r\n")
        self.assertEqual(body, b"x" * TRUNCATE_SENT)
        # A clean close sends close_notify: no error for the `/` page.
        self.exchange("valid", b"GET / HTTP/1.1\r\nHost: valid.test\r\nConnection: close\r\n\r\n",
                      suppress_ragged_eofs=False)

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
