#!/usr/bin/env python3
"""HTTP proxies, real ones: squid and tinyproxy (tools/proxy_stack.py) with Basic authentication.
http URLs through the proxy, https URLs through CONNECT, missing and wrong credentials
(proxy_auth_required, or tinyproxy's plain 401), a CONNECT the proxy forbids and a proxy that is not
there (proxy_error), proxies from the environment with no_proxy, and proxy credentials that never
show in any output.

tinyproxy resolves names with the system resolver, so it only ever gets IP literals; squid resolves
the fixture names from its own hosts_file."""

import os
import shutil
import socket

import fixtures
from fixtures import fixture_stack

import proxy_stack  # tools/, on the path through fixtures

# How many h<N>.test names squid knows: the tests use a few.
SQUID_NAMES = 10


def dead_port():
    """A loopback port where nothing listens (bound, never listening, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProxyTest(fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        missing = [b for b in ("squid", "tinyproxy", "htpasswd") if shutil.which(b) is None]
        if missing:
            raise RuntimeError("not installed: %s (Debian squid, tinyproxy, apache2-utils)" %
                               ", ".join(missing))
        super().setUpClass()
        hosts = {"h%d.test" % n: fixture_stack.address_for(n) for n in range(SQUID_NAMES)}
        hosts.update({name: "127.0.0.1" for name in fixture_stack.TLS_NAMES})
        cls.proxies = proxy_stack.ProxyStack(
            os.path.join(cls.tmp, "proxies"), hosts,
            connect_ports=[cls.stack.tls_ports["ip"], cls.stack.tls_ports["valid"]],
            # CONNECT to the plain HTTP port: what a proxy limiting CONNECT to TLS ports refuses.
            forbidden_port=cls.port)
        fixtures._live_stacks.add(cls.proxies)
        cls.addClassCleanup(fixtures._live_stacks.discard, cls.proxies)
        cls.addClassCleanup(cls.proxies.stop)
        cls.proxies.start()

    # -- helpers ----------------------------------------------------------------------------------

    def proxy(self, role, credentials="right"):
        """--proxy value for `role` with the right, wrong or no credentials."""
        if credentials == "right":
            return self.proxies.authed_url(role)
        if credentials == "wrong":
            return self.proxies.url(role, self.proxies.user, "not-the-password")
        return self.proxies.url(role)

    def port_of(self, role):
        return self.proxies.squid_port if role == "squid" else self.proxies.tinyproxy_port

    def ca(self):
        return ["--ca-file", self.cert("ca.pem")]

    def assertThroughProxy(self, row, role):
        self.assertRow(row, ip="127.0.0.1", port=self.port_of(role))

    # -- squid: names resolved by the proxy -------------------------------------------------------

    def test_squid_http_with_credentials(self):
        url = self.url("/echo/via", name="h3.test")
        row = self.scan_one(url, "--proxy", self.proxy("squid"))
        self.assertRow(row, url=url, final_url=url, host="h3.test", status=200, error=None,
                       server=fixtures.SERVER, tls_version=None, attempts=1)
        self.assertThroughProxy(row, "squid")
        # squid names itself in Via on the way to the origin (the fixture echoes it as the title).
        self.assertIn("squid", row["title"])

    def test_squid_http_without_or_with_wrong_credentials(self):
        url = self.url("/", name="h3.test")
        for credentials in ("none", "wrong"):
            with self.subTest(credentials=credentials):
                row = self.scan_one(url, "--proxy", self.proxy("squid", credentials))
                self.assertRow(row, error="proxy_auth_required", status=407)
                self.assertThroughProxy(row, "squid")
                # The 407 is squid's own answer, not the origin's.
                self.assertTrue((row["server"] or "").startswith("squid"), row)

    def test_squid_https_through_connect(self):
        url = self.tls_url("valid", "/title/tunnelled")
        row = self.scan_one(url, "--proxy", self.proxy("squid"), *self.ca())
        self.assertRow(row, url=url, final_url=url, host="valid.test", status=200, error=None,
                       title="tunnelled", tls_version="TLSv1.3", tls_verify="ok")
        self.assertThroughProxy(row, "squid")
        self.assertEqual(fixtures.parse_timestamp(row["cert_not_after"]),
                         fixtures.cert_not_after(self.cert("valid.pem")))
        self.assertIsNotNone(row["tls_ms"])

    def test_squid_connect_without_or_with_wrong_credentials(self):
        for credentials in ("none", "wrong"):
            with self.subTest(credentials=credentials):
                row = self.scan_one(self.tls_url("valid"), "--proxy",
                                    self.proxy("squid", credentials), *self.ca())
                self.assertRow(row, error="proxy_auth_required", status=407, tls_version=None,
                               tls_verify=None)
                self.assertThroughProxy(row, "squid")

    def test_squid_forbidden_connect_is_proxy_error(self):
        url = "https://valid.test:%d/" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("squid"), *self.ca())
        self.assertRow(row, error="proxy_error", status=403, tls_version=None)
        self.assertThroughProxy(row, "squid")

    # -- tinyproxy: IP literals only --------------------------------------------------------------

    def test_tinyproxy_http_with_credentials(self):
        url = "http://127.0.0.1:%d/echo/via" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy"))
        self.assertRow(row, url=url, final_url=url, host="127.0.0.1", status=200, error=None,
                       server=fixtures.SERVER)
        self.assertThroughProxy(row, "tinyproxy")
        # tinyproxy names itself in Via on the way to the origin (the fixture echoes it as the title).
        self.assertIn("tinyproxy", row["title"])

    def test_tinyproxy_http_without_credentials(self):
        row = self.scan_one("http://127.0.0.1:%d/" % self.port, "--proxy",
                            self.proxy("tinyproxy", "none"))
        self.assertRow(row, error="proxy_auth_required", status=407)
        self.assertThroughProxy(row, "tinyproxy")

    def test_tinyproxy_http_with_wrong_credentials_is_a_plain_401(self):
        # tinyproxy answers wrong credentials with 401, not 407: an answer, not a proxy error.
        row = self.scan_one("http://127.0.0.1:%d/" % self.port, "--proxy",
                            self.proxy("tinyproxy", "wrong"))
        self.assertRow(row, error=None, status=401)
        self.assertThroughProxy(row, "tinyproxy")

    def test_tinyproxy_https_through_connect(self):
        url = self.tls_url("ip", "/title/tunnelled")
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy"), *self.ca())
        self.assertRow(row, url=url, status=200, error=None, title="tunnelled",
                       tls_version="TLSv1.3", tls_verify="ok")
        self.assertThroughProxy(row, "tinyproxy")

    def test_tinyproxy_connect_without_or_with_wrong_credentials(self):
        url = self.tls_url("ip")
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy", "none"), *self.ca())
        self.assertRow(row, error="proxy_auth_required", status=407, tls_version=None)
        self.assertThroughProxy(row, "tinyproxy")
        # A CONNECT answered with anything but 2xx or 407 is proxy_error with the proxy's status.
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy", "wrong"), *self.ca())
        self.assertRow(row, error="proxy_error", status=401, tls_version=None)
        self.assertThroughProxy(row, "tinyproxy")

    def test_tinyproxy_forbidden_connect_is_proxy_error(self):
        # Only the `ip` and `valid` TLS ports are ConnectPorts.
        row = self.scan_one("https://127.0.0.1:%d/" % self.port, "--proxy",
                            self.proxy("tinyproxy"), *self.ca())
        self.assertRow(row, error="proxy_error", status=403, tls_version=None)
        self.assertThroughProxy(row, "tinyproxy")

    # -- no proxy there -----------------------------------------------------------------------------

    def test_proxy_where_nothing_listens_is_proxy_error(self):
        port = dead_port()
        proxy = "http://%s:%s@127.0.0.1:%d" % (self.proxies.user, self.proxies.password, port)
        result = self.scan([self.url("/"), self.tls_url("valid")], "--proxy", proxy,
                           "--retries", "0", *self.ca())
        for line in (1, 2):
            with self.subTest(line=line):
                self.assertRow(result.by_line[line], error="proxy_error", status=None,
                               ip="127.0.0.1", port=port, tls_version=None)

    # -- proxies from the environment ---------------------------------------------------------------

    def test_http_proxy_from_environment(self):
        env = {"http_proxy": self.proxy("squid")}
        result = self.scan([self.url("/echo/via", name="h1.test"), self.tls_url("valid")],
                           *self.ca(), env=env)
        self.assertRow(result.by_line[1], status=200, error=None)
        self.assertThroughProxy(result.by_line[1], "squid")
        self.assertIn("squid", result.by_line[1]["title"])
        # http_proxy is for http URLs only: the https URL goes straight to the origin.
        self.assertRow(result.by_line[2], status=200, error=None, ip="127.0.0.1",
                       port=self.stack.tls_ports["valid"], tls_verify="ok")

    def test_https_proxy_from_environment(self):
        for variable in ("https_proxy", "HTTPS_PROXY"):
            with self.subTest(variable=variable):
                env = {variable: self.proxy("squid")}
                result = self.scan([self.tls_url("valid"), self.url("/", name="h2.test")],
                                   *self.ca(), env=env)
                self.assertRow(result.by_line[1], status=200, error=None, tls_verify="ok")
                self.assertThroughProxy(result.by_line[1], "squid")
                # ... and not for http URLs.
                self.assertRow(result.by_line[2], status=200, error=None, ip=self.address(2),
                               port=self.port)

    def test_no_proxy_exempts_names_and_their_subdomains(self):
        urls = [self.url("/", name="h1.test"), self.url("/", name="h2.test")]
        for variable, value, direct in (("no_proxy", "h2.test", {2}),
                                        ("NO_PROXY", "h2.test", {2}),
                                        ("no_proxy", "example.org,test", {1, 2}),
                                        ("no_proxy", "*", {1, 2}),
                                        ("no_proxy", "2.test", set())):
            with self.subTest(variable=variable, value=value):
                env = {"http_proxy": self.proxy("squid"), variable: value}
                result = self.scan(urls, env=env)
                for line, n in ((1, 1), (2, 2)):
                    row = result.by_line[line]
                    self.assertRow(row, status=200, error=None)
                    if line in direct:
                        self.assertRow(row, ip=self.address(n), port=self.port)
                    else:
                        self.assertThroughProxy(row, "squid")

    def test_empty_proxy_flag_overrides_the_environment(self):
        env = {"http_proxy": self.proxy("squid"), "https_proxy": self.proxy("squid")}
        result = self.scan([self.url("/", name="h1.test"), self.tls_url("valid")], "--proxy", "",
                           *self.ca(), env=env)
        self.assertRow(result.by_line[1], status=200, ip=self.address(1), port=self.port)
        self.assertRow(result.by_line[2], status=200, ip="127.0.0.1",
                       port=self.stack.tls_ports["valid"])

    def test_proxy_flag_beats_the_environment(self):
        env = {"http_proxy": "http://127.0.0.1:%d" % dead_port()}
        row = self.scan_one(self.url("/"), "--proxy", self.proxy("squid"), env=env)
        self.assertRow(row, status=200, error=None)
        self.assertThroughProxy(row, "squid")

    # -- secrets ----------------------------------------------------------------------------------

    def test_credentials_never_appear_in_any_output(self):
        password = self.proxies.password
        secrets = [password, proxy_stack.basic_credentials(self.proxies.user, password)]
        cases = [
            ("squid", [self.url("/", name="h1.test"), self.tls_url("valid"),
                       self.url("/status/500", name="h2.test")]),
            ("tinyproxy", ["http://127.0.0.1:%d/" % self.port, self.tls_url("ip"),
                           "https://127.0.0.1:%d/" % self.port]),
        ]
        for role, urls in cases:
            for fmt, suffix in (("csv", ".csv"), ("jsonl", ".jsonl")):
                with self.subTest(proxy=role, format=fmt):
                    out_file = os.path.join(self.tmp, "secret-%s%s" % (role, suffix))
                    # A proxy URL with a password that fails, too: error paths must mask it as well.
                    dead = "http://%s:%s@127.0.0.1:%d" % (self.proxies.user, password, dead_port())
                    for proxy in (self.proxy(role), dead):
                        input_file = self.write_input("secret-input.txt", urls)
                        code, out, err, _ = self.run_urlsweep(
                            ["--proxy", proxy, "--format", fmt, "-o", out_file, "--summary",
                             "--progress", "--retries", "0", *self.ca(), input_file])
                        self.assertEqual(code, 0, err)
                        with open(out_file, "rb") as f:
                            written = f.read().decode("utf-8", "replace")
                        self.assertEqual(len([l for l in written.splitlines() if l.strip()]),
                                         len(urls) + (1 if fmt == "csv" else 0), written)
                        for secret in secrets:
                            for where, text in (("stdout", out), ("stderr", err),
                                                ("output file", written)):
                                self.assertNotIn(secret, text, "%s leaks in %s" % (secret, where))
        # And a bad flag's error message, which quotes what it was given.
        code, out, err, _ = self.run_urlsweep(
            ["--proxy", "ftp://%s:%s@127.0.0.1:1" % (self.proxies.user, password), "-"])
        self.assertEqual(code, 1, err)
        for secret in secrets:
            self.assertNotIn(secret, out + err)


if __name__ == "__main__":
    fixtures.main()
