#!/usr/bin/env python3
"""SOCKS5 proxies, real ones: microsocks (tools/socks_stack.py), one asking for no authentication and
one for RFC 1929 username/password. http and https origins through both, socks5:// (urlsweep looks
the origin's name up and sends the address) and socks5h:// (the proxy gets the name), right, wrong and
missing credentials, an origin that refuses the proxy's connection, a proxy that is not there, and
credentials that never show in any output.

microsocks resolves names with the system resolver: the socks5h tests send it only `localhost`
(/etc/hosts) and IP literals. Our DNS server is never asked for `localhost` and dns_ms stays absent:
the name went to the proxy."""

import os

import fixtures
from fixtures import Matches

import socks_stack  # tools/, on the path through fixtures
from test_proxy import ProxyRows, dead_port

# A name /etc/hosts gives loopback; our dnsmasq (--no-hosts) does not hold it.
PROXY_ONLY_NAME = "localhost"


class SocksTest(ProxyRows, fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.socks = cls.start_stack(socks_stack.SocksStack(os.path.join(cls.tmp, "socks")))

    # -- helpers ----------------------------------------------------------------------------------

    def via(self, url, role, host, line=1, scheme="socks5", **fields):
        """The fields of a row fetched once through the SOCKS proxy `role`: the proxy's address, and
        proxy_auth socks5 where the proxy asks for username/password."""
        port = self.socks.ports[role]
        return self.through(url, host, port, line, **{"proxy": "%s://127.0.0.1:%d" % (scheme, port),
                                                      "proxy_auth": "socks5" if role == "authed" else None,
                                                      **fields})

    # -- through the proxy ------------------------------------------------------------------------

    def test_http_and_https_through_socks5(self):
        # urlsweep resolves h3.test (127.0.0.3) and valid.test itself and sends the addresses.
        for role, proxy in (("open", self.socks.url("open")), ("authed", self.socks.authed_url())):
            with self.subTest(proxy=role):
                http_url = self.url("/title/socks", name="h3.test")
                https_url = self.tls_url("valid", "/title/tunnelled")
                result = self.scan([http_url, https_url], "--proxy", proxy, *self.ca())
                self.assertExactRow(result.by_line[1], **self.via(http_url, role, "h3.test",
                                                                  **self.page("socks")))
                self.assertExactRow(result.by_line[2], **self.via(
                    https_url, role, "valid.test", line=2, **self.page("tunnelled"), **self.tls()))
                for line in (1, 2):
                    # The lookup was urlsweep's: the origin's name, asked of our DNS server.
                    self.assertIsInstance(result.by_line[line]["dns_ms"], float)
                self.assertGreater(self.dnsmasq_queries("h3.test"), 0)

    def test_socks5h_sends_the_name_to_the_proxy(self):
        http_url = "http://%s:%d/title/named" % (PROXY_ONLY_NAME, self.port)
        # An https origin by address: the `ip` leaf is issued for 127.0.0.1.
        https_url = self.tls_url("ip", "/title/tunnelled")
        for role, proxy in (("open", self.socks.url("open", "socks5h")),
                            ("authed", self.socks.authed_url(scheme="socks5h"))):
            with self.subTest(proxy=role):
                result = self.scan([http_url, https_url], "--proxy", proxy, *self.ca())
                self.assertExactRow(result.by_line[1], **self.via(
                    http_url, role, PROXY_ONLY_NAME, scheme="socks5h", **self.page("named")))
                self.assertExactRow(result.by_line[2], **self.via(
                    https_url, role, "127.0.0.1", line=2, scheme="socks5h", **self.page("tunnelled"),
                    **self.tls(cert="ip.pem")))
                # No lookup of our own: the proxy is a literal and the origin's name went to it.
                for line in (1, 2):
                    self.assertIsNone(result.by_line[line]["dns_ms"])
        self.assertEqual(self.dnsmasq_queries(PROXY_ONLY_NAME), 0)
        # The control: through socks5:// the same URL is looked up by urlsweep (c-ares answers
        # `localhost` itself, RFC 6761), so dns_ms is there.
        row = self.scan_one(http_url, "--proxy", self.socks.url("open"))
        self.assertRow(row, status=200, title="named", ip="127.0.0.1", port=self.socks.ports["open"])
        self.assertIsInstance(row["dns_ms"], float)

    def test_socks5_looks_the_origin_up_itself(self):
        # A name our DNS server does not know: socks5:// fails it as a direct fetch would, before any
        # connection to the proxy.
        url = "http://no-such-host.test:%d/" % self.port
        row = self.scan_one(url, "--proxy", self.socks.url("open"), "--retries", "0")
        self.assertExactRow(row, line=1, url=url, final_url=url, host="no-such-host.test",
                            error="dns_nxdomain", error_detail=Matches("."), redirects=0, attempts=1,
                            proxy=self.socks.url("open"))

    def connections_logged(self, role):
        """How many connections microsocks `role` has made for its clients (one log line each)."""
        with open(os.path.join(self.socks.dir, "%s.log" % role), errors="replace") as f:
            return sum(1 for line in f if "connected to" in line)

    def test_keep_alive_through_the_tunnel(self):
        # One tunnel carries the four requests; each row says how the tunnel was authenticated.
        urls = [self.url("/title/p%d" % n, name="h2.test") for n in range(4)]
        before = self.connections_logged("authed")
        result = self.scan(urls, "--proxy", self.socks.authed_url(), "--per-host", "1")
        for line in range(1, 5):
            self.assertRow(result.by_line[line], status=200, error=None, ip="127.0.0.1",
                           port=self.socks.ports["authed"], title="p%d" % (line - 1),
                           proxy=self.socks.url("authed"), proxy_auth="socks5")
        self.assertEqual(self.connections_logged("authed") - before, 1)

    def test_http2_streams_share_one_tunnel(self):
        # An HTTP/2 origin through the authenticated proxy: one tunnel, one HTTP/2 connection in it,
        # three streams; every row says how the tunnel was authenticated, the streams that joined the
        # connection as well as the one that opened it.
        urls = [self.h2_url("h2", "/title/s%d" % n) for n in range(3)]
        before_tunnels, before_h2 = self.connections_logged("authed"), self.h2_count()
        result = self.scan(urls, "--proxy", self.socks.authed_url(), *self.ca())
        for line, url in enumerate(urls, 1):
            self.assertExactRow(result.by_line[line], **self.via(
                url, "authed", "valid.test", line=line,
                **self.page("s%d" % (line - 1), http_version="2", reason=None), **self.tls()))
        after_h2 = self.h2_count()
        self.assertEqual(self.connections_logged("authed") - before_tunnels, 1)
        self.assertEqual((after_h2[0] - before_h2[0], after_h2[1] - before_h2[1]), (1, 3))

    # -- refusals ---------------------------------------------------------------------------------

    def test_missing_and_wrong_credentials_are_proxy_auth_required(self):
        http_url = self.url("/", name="h3.test")
        https_url = self.tls_url("valid")
        cases = (("missing", self.socks.url("authed"),
                  "socks5: the proxy requires authentication (no credentials given)"),
                 ("wrong", self.socks.url("authed", user=self.socks.user, password="not-it"),
                  "socks5: the proxy rejected the user name or password"),
                 ("wrong user", self.socks.url("authed", "socks5h", "nobody", self.socks.password),
                  "socks5: the proxy rejected the user name or password"))
        for what, proxy, detail in cases:
            scheme = proxy.split(":")[0]
            with self.subTest(credentials=what):
                result = self.scan([http_url, https_url], "--proxy", proxy, *self.ca())
                for line, (url, host) in enumerate(((http_url, "h3.test"),
                                                    (https_url, "valid.test")), 1):
                    # proxy_auth names what the proxy asked for: socks5.
                    self.assertExactRow(result.by_line[line], **self.via(
                        url, "authed", host, line=line, scheme=scheme, error="proxy_auth_required",
                        error_detail=detail))

    def test_origin_refusing_the_proxy_is_socks_reply(self):
        # The proxy lives and answers for the origin: RFC 1928's reply "connection refused".
        port = dead_port()
        for scheme in ("socks5", "socks5h"):
            with self.subTest(scheme=scheme):
                url = "http://127.0.0.1:%d/" % port
                row = self.scan_one(url, "--proxy", self.socks.url("open", scheme), "--retries", "0")
                self.assertExactRow(row, **self.via(url, "open", "127.0.0.1", scheme=scheme,
                                                    error="proxy_error",
                                                    error_detail="socks5: connection refused"))

    def test_proxy_where_nothing_listens_is_proxy_error(self):
        port = dead_port()
        proxy = "socks5h://%s:%s@127.0.0.1:%d" % (self.socks.user, self.socks.password, port)
        urls = [self.url("/"), self.tls_url("valid")]
        result = self.scan(urls, "--proxy", proxy, "--retries", "0", *self.ca())
        for line, (url, host) in enumerate(zip(urls, ("h1.test", "valid.test")), 1):
            with self.subTest(line=line):
                self.assertExactRow(result.by_line[line], **self.through(
                    url, host, port, line, error="proxy_error",
                    error_detail=Matches("(?i)cannot connect to proxy .*refused"),
                    proxy="socks5h://127.0.0.1:%d" % port))

    def test_http_proxy_port_is_not_a_socks_server(self):
        # The fixture's HTTP port answers a SOCKS greeting with an HTTP error: a failed handshake.
        url = self.url("/", name="h2.test")
        row = self.scan_one(url, "--proxy", "socks5h://127.0.0.1:%d" % self.port, "--retries", "0")
        self.assertRow(row, error="proxy_error", status=None, ip="127.0.0.1", port=self.port)
        self.assertTrue(row["error_detail"].startswith("socks5: "), row)

    # -- pools (--proxy-file) ---------------------------------------------------------------------

    def pool_file(self, name, proxies):
        lines = ["# a pool for the test", ""] + ["%s   # proxy %d" % (p, n) for n, p in enumerate(proxies)]
        return self.write_input(name, lines)

    def test_pool_with_a_dead_proxy_answers_every_url(self):
        # socks5:// only: microsocks would look the h<N>.test names up with the system resolver.
        # The dead one first: under --proxy-rotate url the first URL goes to it, fails, and is tried
        # again on the next proxy (attempts 2).
        pool = self.pool_file("pool-live.txt", ["socks5h://127.0.0.1:%d" % dead_port(),
                                                self.socks.url("open"),
                                                self.socks.authed_url(scheme="socks5")])
        urls = [self.url("/title/u%d" % n, name="h%d.test" % (n % 8 + 1)) for n in range(24)]
        for rotate in ("host", "url"):
            with self.subTest(rotate=rotate):
                # http_proxy names a dead proxy: with --proxy-file the environment is not read.
                env = {"http_proxy": "http://127.0.0.1:%d" % dead_port()}
                result = self.scan(urls, "--proxy-file", pool, "--proxy-rotate", rotate,
                                   "--retries", "0", env=env)
                self.assertEqual(len(result.rows), len(urls))
                ports = set()
                for line in range(1, len(urls) + 1):
                    row = result.by_line[line]
                    self.assertRow(row, status=200, error=None, title="u%d" % (line - 1),
                                   ip="127.0.0.1")
                    # The proxy that answered, and its authentication.
                    open_row = row["port"] == self.socks.ports["open"]
                    self.assertRow(row, proxy="socks5://127.0.0.1:%d" % row["port"],
                                   proxy_auth=None if open_row else "socks5")
                    self.assertIn(row["attempts"], (1, 2), row)
                    ports.add(row["port"])
                self.assertEqual(ports, {self.socks.ports["open"], self.socks.ports["authed"]})
                if rotate == "url":
                    self.assertEqual(result.by_line[1]["attempts"], 2)

    def test_pool_keeps_per_host_on_the_origin(self):
        # Six URLs of one host, spread over two proxies in turn: --per-host 2 still holds at the
        # origin, whichever proxy each request took.
        pool = self.pool_file("pool-per-host.txt", [self.socks.url("open"), self.socks.authed_url()])
        urls = [self.url("/delay/300?n=%d" % n, name="h4.test") for n in range(6)]
        self.reset_stats()
        result = self.scan(urls, "--proxy-file", pool, "--proxy-rotate", "url", "--per-host", "2")
        ports = {row["port"] for row in result.rows}
        self.assertEqual(ports, {self.socks.ports["open"], self.socks.ports["authed"]})
        for row in result.rows:
            self.assertRow(row, status=200, error=None)
        seen = self.stats(host="h4.test")
        self.assertEqual((seen["requests"], seen["max_in_flight"]), (6, 2))

    def test_pool_all_dead_gives_every_row_proxy_error(self):
        pool = self.pool_file("pool-dead.txt", ["socks5://127.0.0.1:%d" % dead_port()
                                                for _ in range(3)])
        urls = [self.url("/", name="h%d.test" % (n % 8 + 1)) for n in range(20)]
        result = self.scan(urls, "--proxy-file", pool, "--retries", "0", "-c", "4")
        self.assertEqual(len(result.rows), len(urls))
        for line in range(1, len(urls) + 1):
            self.assertRow(result.by_line[line], error="proxy_error", status=None)
        details = {row["error_detail"] for row in result.rows}
        # The first URLs tried every proxy; once all three rest, the rest fail at once.
        self.assertIn("every proxy of --proxy-file is resting after failing 3 times in a row", details)

    def test_pool_flags(self):
        pool = self.pool_file("pool-flags.txt", [self.socks.url("open")])
        code, out, err, _ = self.run_urlsweep(["--proxy-file", pool, "--proxy",
                                               self.socks.url("open"), "-"])
        self.assertEqual(code, 1)
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        self.assertIn("--proxy-file", err)
        bad = self.write_input("pool-bad.txt", ["socks5://%s:%s@127.0.0.1:0" % (
            self.socks.user, self.socks.password)])
        code, out, err, _ = self.run_urlsweep(["--proxy-file", bad, "-"])
        self.assertEqual(code, 1)
        self.assertIn("line 1", err)
        self.assertNotIn(self.socks.password, out + err)

    # -- secrets ----------------------------------------------------------------------------------

    def test_credentials_never_appear_in_any_output(self):
        password = self.socks.password
        urls = [self.url("/", name="h1.test"), self.tls_url("valid"),
                "http://127.0.0.1:%d/" % dead_port()]
        proxies = [self.socks.authed_url(), self.socks.authed_url(scheme="socks5h"),
                   self.socks.url("authed", "socks5", self.socks.user, password + "x"),
                   "socks5://%s:%s@127.0.0.1:%d" % (self.socks.user, password, dead_port())]
        pool = self.pool_file("pool-secret.txt", proxies)
        for proxy in proxies + [None]:
            for fmt in ("csv", "jsonl", "parquet"):
                with self.subTest(proxy=proxy.split("@")[1] if proxy else "pool", format=fmt):
                    out_file = os.path.join(self.tmp, "secret.%s" % fmt)
                    input_file = self.write_input("secret-input.txt", urls)
                    flag = ["--proxy", proxy] if proxy else ["--proxy-file", pool]
                    code, out, err, _ = self.run_urlsweep(
                        flag + ["--format", fmt, "-o", out_file, "--summary",
                         "--progress", "--retries", "0", *self.ca(), input_file])
                    self.assertEqual(code, 0, err)
                    self.assertNoSecrets([password], out, err, out_file)


if __name__ == "__main__":
    fixtures.main()
