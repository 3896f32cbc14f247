#!/usr/bin/env python3
"""https:// proxies: TLS to the proxy itself (stunnel, tools/stunnel_stack.py) in front of a real HTTP
proxy (squid, tools/proxy_stack.py). http URLs go inside that TLS in absolute form; https URLs go
through CONNECT inside it, then the origin's TLS inside the tunnel (TLS in TLS). The proxy's
certificate is verified against the origins' trust (--ca-file here) unless --proxy-insecure; its
failure is proxy_error, and the tls_* columns always describe the origin."""

import os

import fixtures
from fixtures import fixture_stack

import proxy_stack  # tools/, on the path through fixtures
import stunnel_stack
from test_proxy import ProxyRows, dead_port


class HttpsProxyTest(ProxyRows, fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        hosts = {"h%d.test" % n: fixture_stack.address_for(n) for n in range(4)}
        hosts.update({name: "127.0.0.1" for name in fixture_stack.TLS_NAMES})
        cls.proxies = cls.start_stack(proxy_stack.ProxyStack(os.path.join(cls.tmp, "proxies"), hosts,
                                                             connect_ports=[cls.stack.tls_ports["valid"]]))
        squid = cls.proxies.squid_port
        # `ip`: a certificate for 127.0.0.1 our CA signed; `self`: a self-signed one nobody trusts.
        cls.tunnels = cls.start_stack(stunnel_stack.StunnelStack(os.path.join(cls.tmp, "stunnel"), {
            "ip": (squid, cls.cert("ip-chain.pem"), cls.cert("ip-key.pem")),
            "self": (squid, cls.cert("self-chain.pem"), cls.cert("self-key.pem")),
        }))

    def proxy(self, service="ip", credentials=True, password=None):
        auth = ""
        if credentials:
            auth = "%s:%s@" % (self.proxies.user, password or self.proxies.password)
        return "https://%s127.0.0.1:%d" % (auth, self.tunnels.ports[service])

    def via(self, url, host, line=1, service="ip", **fields):
        port = self.tunnels.ports[service]
        return self.through(url, host, port, line, **{"proxy": "https://127.0.0.1:%d" % port, **fields})

    def test_http_and_https_through_an_https_proxy(self):
        http_url = self.url("/title/inside", name="h3.test")
        https_url = self.tls_url("valid", "/title/tls-in-tls")
        result = self.scan([http_url, https_url, http_url], "--proxy", self.proxy(), *self.ca())
        # squid behind stunnel asks for Basic: the proxy_auth column says what got through.
        self.assertExactRow(result.by_line[1], **self.via(http_url, "h3.test", proxy_auth="basic",
                                                          **self.page("inside")))
        # The tls_* columns are the origin's (valid.test's leaf), not the proxy's (the `ip` leaf).
        self.assertExactRow(result.by_line[2], **self.via(https_url, "valid.test", line=2, proxy_auth="basic",
                                                          **self.page("tls-in-tls"), **self.tls()))
        self.assertIsNotNone(result.by_line[2]["tls_ms"])
        self.assertExactRow(result.by_line[3], **self.via(http_url, "h3.test", line=3, proxy_auth="basic",
                                                          **self.page("inside")))

    def test_proxy_certificate_is_verified(self):
        urls = [self.url("/", name="h1.test"), self.tls_url("valid")]
        # The origins' --tls-verify does not apply to the proxy: off for origins, still checked here.
        for extra in ((), ("--tls-verify", "off")):
            with self.subTest(flags=extra):
                result = self.scan(urls, "--proxy", self.proxy("self"), "--retries", "0", *extra,
                                   *self.ca())
                for line, (url, host) in enumerate(zip(urls, ("h1.test", "valid.test")), 1):
                    self.assertExactRow(result.by_line[line], **self.via(
                        url, host, line=line, service="self", error="proxy_error",
                        error_detail="TLS with proxy 127.0.0.1:%d: self-signed certificate" %
                        self.tunnels.ports["self"]))
        # --proxy-insecure skips the proxy's check; the origin's is still made.
        result = self.scan(urls, "--proxy", self.proxy("self"), "--proxy-insecure", *self.ca())
        self.assertRow(result.by_line[1], status=200, error=None, title=fixtures.DEFAULT_TITLE,
                       ip="127.0.0.1", port=self.tunnels.ports["self"])
        self.assertRow(result.by_line[2], status=200, error=None, tls_verify="ok")

    def test_missing_credentials_are_proxy_auth_required(self):
        url = self.url("/", name="h2.test")
        row = self.scan_one(url, "--proxy", self.proxy(credentials=False), *self.ca())
        self.assertRow(row, status=407, error="proxy_auth_required", ip="127.0.0.1",
                       port=self.tunnels.ports["ip"], proxy_auth="basic")
        row = self.scan_one(self.tls_url("valid"), "--proxy", self.proxy(credentials=False),
                            *self.ca())
        self.assertRow(row, status=407, error="proxy_auth_required", tls_version=None)

    def test_pool_of_https_and_dead_proxies(self):
        pool = self.write_input("pool.txt", ["# https proxies and a dead one",
                                             "https://127.0.0.1:%d" % dead_port(), self.proxy()])
        urls = [self.url("/title/p%d" % n, name="h%d.test" % (n % 3 + 1)) for n in range(6)]
        urls.append(self.tls_url("valid", "/title/pooled"))
        result = self.scan(urls, "--proxy-file", pool, "--proxy-rotate", "url", "--retries", "0",
                           *self.ca())
        self.assertEqual(len(result.rows), len(urls))
        for row in result.rows:
            self.assertRow(row, status=200, error=None, port=self.tunnels.ports["ip"])

    def test_credentials_never_appear_in_any_output(self):
        password = self.proxies.password
        secrets = [password, proxy_stack.basic_credentials(self.proxies.user, password)]
        pool = self.write_input("pool-secret.txt", [self.proxy(), self.proxy("self")])
        for flags in (["--proxy", self.proxy()], ["--proxy", self.proxy("self")],
                      ["--proxy-file", pool]):
            for fmt in ("csv", "jsonl", "parquet"):
                with self.subTest(flags=flags[0], format=fmt):
                    out_file = os.path.join(self.tmp, "secret.%s" % fmt)
                    input_file = self.write_input("secret-input.txt", [
                        self.url("/"), self.tls_url("valid"), "http://127.0.0.1:%d/" % dead_port()])
                    code, out, err, _ = self.run_urlsweep(
                        flags + ["--format", fmt, "-o", out_file, "--summary", "--progress",
                                 "--retries", "0", *self.ca(), input_file])
                    self.assertEqual(code, 0, err)
                    self.assertNoSecrets(secrets, out, err, out_file)


if __name__ == "__main__":
    fixtures.main()
