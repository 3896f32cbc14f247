#!/usr/bin/env python3
"""TLS session resumption: the second and later connections to an origin resume the first one's
session (TLS 1.3 tickets, TLS 1.2 session IDs and tickets), against the fixture's TLS listeners (which
count full and resumed handshakes in /count) and against Debian's nginx (which names the resumption in
its answer, $ssl_session_reused). Every resumed row reports the tls_verify and cert_not_after of the full
handshake it resumes (docs/https-proxies-redirects.md), asserted as whole rows; a server that cannot
resume gets full handshakes and the same rows."""

import os
import shutil

import fixtures
import test_tls
from process_util import free_ports

# URLs per origin in the sequential runs: the first connection is a full handshake, the others resume.
REPEATS = 4
# Connections at once to one origin in the concurrent run (--per-host as many): they all start before
# the first session exists, and wait for it (scanner/tls_handshake_gate.h) instead of each making a
# full handshake.
CONCURRENT = 8


class ResumptionTest(fixtures.FixtureTestCase):
    # The expected rows are test_tls's.
    ca = test_tls.TlsTest.ca
    not_after = test_tls.TlsTest.not_after
    base = test_tls.TlsTest.base
    page = test_tls.TlsTest.page

    def repeated(self, key, count, *args, path="/"):
        """Scans listener `key`'s URL `count` times, one connection each (Connection: close),
        one at a time; returns (rows by line, full handshakes, resumed handshakes) the fixture saw."""
        before = self.tls_count()
        result = self.scan([self.tls_url(key, path)] * count, "-c", "1", "-H", "Connection: close",
                           *args)
        after = self.tls_count()
        return result.by_line, after[0] - before[0], after[1] - before[1]

    def assertSameRows(self, rows, key, leaf, word, count, version="TLSv1.3"):
        for line in range(1, count + 1):
            with self.subTest(listener=key, line=line):
                self.assertExactRow(rows[line], **self.base(key, line=line, **self.page(
                    leaf, word, version=version)))

    def test_later_connections_resume_with_the_first_verdict(self):
        cases = [
            ("valid", "valid.pem", "ok", "TLSv1.3"),
            ("tls12", "valid.pem", "ok", "TLSv1.2"),
            # report mode resumes a session whose chain failed: the rows still say why.
            ("expired", "expired.pem", "expired", "TLSv1.3"),
            ("wrong", "wrong.pem", "hostname_mismatch", "TLSv1.3"),
            # Revoked by its stapled OCSP response, which a resumption does not carry.
            ("revoked", "revoked.pem", "revoked", "TLSv1.3"),
        ]
        for key, leaf, word, version in cases:
            rows, full, resumed = self.repeated(key, REPEATS, *self.ca())
            self.assertSameRows(rows, key, leaf, word, REPEATS, version)
            self.assertEqual((full, resumed), (REPEATS, REPEATS - 1), key)

    def test_a_server_that_cannot_resume_gets_full_handshakes_and_the_same_rows(self):
        for key, version in (("noresume", "TLSv1.3"), ("tls12_noresume", "TLSv1.2")):
            rows, full, resumed = self.repeated(key, REPEATS, *self.ca())
            self.assertSameRows(rows, key, "valid.pem", "ok", REPEATS, version)
            self.assertEqual((full, resumed), (REPEATS, 0), key)

    def test_off_resumes_and_leaves_the_verdict_absent(self):
        rows, full, resumed = self.repeated("expired", REPEATS, "--tls-verify", "off")
        self.assertSameRows(rows, "expired", "expired.pem", None, REPEATS)
        self.assertEqual((full, resumed), (REPEATS, REPEATS - 1))

    def test_strict_resumes_only_verified_sessions(self):
        # A verified chain resumes; a failed one never completes a handshake, so nothing is resumed and
        # every row is the same tls_verify error.
        rows, full, resumed = self.repeated("valid", REPEATS, "--tls-verify", "strict", *self.ca())
        self.assertSameRows(rows, "valid", "valid.pem", "ok", REPEATS)
        self.assertEqual((full, resumed), (REPEATS, REPEATS - 1))
        rows, full, resumed = self.repeated("expired", REPEATS, "--tls-verify", "strict", *self.ca())
        for line in range(1, REPEATS + 1):
            self.assertExactRow(rows[line], **self.base(
                "expired", line=line, error="tls_verify", error_detail="certificate has expired",
                tls_verify="expired"))
        self.assertEqual(resumed, 0)

    def test_connections_that_start_together_wait_for_the_first_session(self):
        for key, version in (("valid", "TLSv1.3"), ("tls12", "TLSv1.2")):
            before = self.tls_count()
            result = self.scan([self.tls_url(key)] * CONCURRENT, "-c", str(CONCURRENT), "--per-host",
                               str(CONCURRENT), "-H", "Connection: close", *self.ca())
            after = self.tls_count()
            self.assertSameRows(result.by_line, key, "valid.pem", "ok", CONCURRENT, version)
            # One full handshake; the others resumed its session.
            self.assertEqual((after[0] - before[0], after[1] - before[1]), (CONCURRENT, CONCURRENT - 1),
                             key)


class NginxResumptionTest(fixtures.FixtureTestCase):
    """Debian's nginx (as the benchmark runs it) with its default resumption: a shared session cache
    and tickets. Its page names the resumption: $ssl_session_reused is "r" or "."."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if shutil.which("nginx") is None:
            raise RuntimeError("nginx not found (tools/install_deps.sh installs nginx-light)")
        cls.nginx_dir = os.path.join(cls.tmp, "nginx")
        os.makedirs(os.path.join(cls.nginx_dir, "temp"), exist_ok=True)
        tls13, tls12 = free_ports(2)
        cls.nginx_ports = {"tls13": tls13, "tls12": tls12}
        conf = os.path.join(cls.nginx_dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(cls.nginx_config())
        error_log = os.path.join(cls.nginx_dir, "error.log")
        cls.nginx = cls.start_server(["nginx", "-p", cls.nginx_dir, "-c", conf, "-e", error_log],
                                     [("127.0.0.1", p) for p in cls.nginx_ports.values()],
                                     os.path.join(cls.nginx_dir, "nginx.out"), error_log)

    @classmethod
    def nginx_config(cls):
        temp = os.path.join(cls.nginx_dir, "temp")
        lines = [
            "daemon off;",
            # One process, stopped by its PID (a master would leave a worker behind).
            "master_process off;",
            "pid %s;" % os.path.join(cls.nginx_dir, "nginx.pid"),
            "error_log %s warn;" % os.path.join(cls.nginx_dir, "error.log"),
            "events { worker_connections 64; }",
            "http {",
            "  access_log off;",
            "  default_type text/html;",
            "  ssl_certificate %s;" % cls.cert("ip-chain.pem"),
            "  ssl_certificate_key %s;" % cls.cert("ip-key.pem"),
            "  ssl_session_cache shared:urlsweep_test:1m;",
            "  ssl_session_tickets on;",
        ]
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append("  %s_temp_path %s;" % (kind, os.path.join(temp, kind)))
        for key, protocols in (("tls13", "TLSv1.3"), ("tls12", "TLSv1.2")):
            lines += [
                "  server {",
                "    listen 127.0.0.1:%d ssl;" % cls.nginx_ports[key],
                "    ssl_protocols %s;" % protocols,
                '    location / { return 200 "<title>reused $ssl_session_reused</title>"; }',
                "  }",
            ]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def test_second_connection_resumes_with_the_same_verdict(self):
        for key, version in (("tls13", "TLSv1.3"), ("tls12", "TLSv1.2")):
            url = "https://127.0.0.1:%d/" % self.nginx_ports[key]
            result = self.scan([url] * REPEATS, "-c", "1", "-H", "Connection: close", "--ca-file",
                               self.cert("ca.pem"))
            not_after = fixtures.cert_not_after(self.cert("ip.pem")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            for line in range(1, REPEATS + 1):
                with self.subTest(version=version, line=line):
                    row = result.by_line[line]
                    self.assertRow(row, status=200, tls_version=version, tls_verify="ok",
                                   cert_not_after=not_after,
                                   title="reused ." if line == 1 else "reused r")


if __name__ == "__main__":
    fixtures.main()
