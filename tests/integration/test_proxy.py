#!/usr/bin/env python3
"""HTTP proxies, real ones: squid and tinyproxy (tools/proxy_stack.py) with Basic authentication.
http URLs through the proxy, https URLs through CONNECT, missing and wrong credentials
(proxy_auth_required, or tinyproxy's plain 401), a CONNECT the proxy forbids, a proxy that is not
there, has a name nobody knows, or never answers CONNECT (proxy_error), origin names only the proxy
can resolve, percent-encoded credentials, proxies from the environment with no_proxy, and proxy
credentials that never show in any output. Every outcome of the first kind is asserted as the whole
row (assertExactRow).

tinyproxy resolves names with the system resolver, so it only ever gets IP literals; squid resolves
the fixture names from its own hosts_file."""

import os
import shutil
import socket
import time

import fixtures
from fixtures import Matches
from fixtures import fixture_stack

import proxy_stack  # tools/, on the path through fixtures

# How many h<N>.test names squid knows: the tests use a few.
SQUID_NAMES = 10
# A name squid knows (its hosts_file: 127.0.0.1) and our dnsmasq does not (NXDOMAIN): a row that has
# an answer for it proves the proxy, not urlsweep, resolved the origin. The `wrong` TLS listener's
# certificate is issued for it.
PROXY_ONLY_NAME = "other.test"
# A proxy name no DNS server knows (NXDOMAIN in our dnsmasq).
UNKNOWN_PROXY_NAME = "no-such-proxy.test"
# Slack on top of a deadline, for a loaded two-core machine.
SLACK_S = 5.0
# What squid 5.7 and tinyproxy 1.11.1 send with their own answers: Server and Content-Type, and per
# status the reason, the HTTP version and the page's title (tinyproxy answers its authentication
# refusals in HTTP/1.0, its 403 in HTTP/1.1, without Content-Length). Their 403s answer only CONNECT
# here, whose page is never read: no title.
PROXY_HEADERS = {
    "squid": {"server": Matches(r"^squid/\d"), "content_type": "text/html;charset=utf-8"},
    "tinyproxy": {"server": Matches(r"^tinyproxy/\d"), "content_type": "text/html"},
}
# The proxy_auth column of each answer: the offered schemes on a 407, the scheme whose credentials
# passed on another refusal (tinyproxy checks them first), none where squid refuses a CONNECT before
# asking for credentials.
PROXY_AUTH = {
    ("squid", 407): "basic", ("squid", 403): None, ("tinyproxy", 407): "basic",
    ("tinyproxy", 401): "basic", ("tinyproxy", 403): "basic",
}
PROXY_ANSWERS = {
    ("squid", 407): ("Proxy Authentication Required", "1.1", "ERROR: Cache Access Denied"),
    ("squid", 403): ("Forbidden", "1.1", None),
    ("tinyproxy", 407): ("Proxy Authentication Required", "1.0",
                         "407 Proxy Authentication Required"),
    ("tinyproxy", 401): ("Unauthorized", "1.0", "401 Unauthorized"),
    ("tinyproxy", 403): ("Access violation", "1.1", None),
}


def dead_port():
    """A loopback port where nothing listens (bound, never listening, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_bytes(title, text):
    """Length of the fixture's HTML page with `title` and body `text` (tools/fixture/reply.cc)."""
    return len("<!doctype html>\n<html><head><title></title></head><body></body></html>\n" +
               title + text)


class Count:
    """Matches any positive int: the size of a proxy's error page, which quotes URL and date."""

    def __eq__(self, other):
        return isinstance(other, int) and not isinstance(other, bool) and other > 0

    def __repr__(self):
        return "Count()"


class At:
    """Matches an output timestamp (docs/output.md) that names the instant `when` (an aware datetime)."""

    def __init__(self, when):
        self.when = when

    def __eq__(self, other):
        try:
            return fixtures.parse_timestamp(other) == self.when
        except (TypeError, ValueError):
            return False

    def __repr__(self):
        return "At(%s)" % self.when.isoformat()


class ProxyRows:
    """What the proxy tests' expected rows and checks share (mixed into a fixtures.FixtureTestCase)."""

    def ca(self):
        return ["--ca-file", self.cert("ca.pem")]

    def through(self, url, host, port, line=1, **fields):
        """The fields of a row of `url` (host `host`) fetched once through the proxy listening on
        127.0.0.1:`port`, plus `fields` (the `proxy` column among them)."""
        row = {"line": line, "url": url, "final_url": url, "host": host, "ip": "127.0.0.1", "port": port,
               "redirects": 0, "attempts": 1}
        row.update(fields)
        return row

    def page(self, title, text="titled page", **fields):
        """The response columns of a fixture page with `title`, plus `fields`."""
        size = page_bytes(title, text)
        row = {"status": 200, "reason": "OK", "http_version": "1.1", "server": fixtures.SERVER,
               "content_type": fixtures.HTML, "content_length": size, "title": title,
               "body_bytes": size}
        row.update(fields)
        return row

    def tls(self, cert="valid.pem", verify="ok"):
        """The TLS columns of a handshake with the fixture leaf `cert`."""
        return {"tls_version": "TLSv1.3", "tls_verify": verify,
                "cert_not_after": At(fixtures.cert_not_after(self.cert(cert)))}

    def assertNoSecrets(self, secrets, out, err, out_file):
        """None of `secrets` stands in a run's standard output, its standard error or its output file."""
        with open(out_file, "rb") as f:
            written = f.read()
        for secret in secrets:
            for where, text in (("stdout", out.encode()), ("stderr", err.encode()), ("output file", written)):
                self.assertNotIn(secret.encode(), text, "%s leaks in %s" % (secret, where))


class ProxyTest(ProxyRows, fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        missing = [b for b in ("squid", "tinyproxy", "htpasswd") if shutil.which(b) is None]
        if missing:
            raise RuntimeError("not installed: %s (Debian squid, tinyproxy, apache2-utils)" %
                               ", ".join(missing))
        super().setUpClass()
        hosts = {"h%d.test" % n: fixture_stack.address_for(n) for n in range(SQUID_NAMES)}
        hosts.update({name: "127.0.0.1" for name in fixture_stack.TLS_NAMES})
        hosts[PROXY_ONLY_NAME] = "127.0.0.1"
        cls.proxies = cls.start_stack(proxy_stack.ProxyStack(
            os.path.join(cls.tmp, "proxies"), hosts,
            connect_ports=[cls.stack.tls_ports["ip"], cls.stack.tls_ports["valid"], cls.stack.h2_ports["h2"]],
            # CONNECT to the plain HTTP port: what a proxy limiting CONNECT to TLS ports refuses.
            forbidden_port=cls.port,
            extra_users=[(proxy_stack.ODD_USER, proxy_stack.ODD_PASSWORD),
                         (proxy_stack.TINY_ODD_USER, proxy_stack.TINY_ODD_PASSWORD)]))

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

    def assertThroughProxy(self, row, role):
        self.assertRow(row, ip="127.0.0.1", port=self.port_of(role))

    def via(self, url, role, host, line=1, **fields):
        """The fields every row of `url` (host `host`) fetched once through proxy `role` has: the
        proxy's address and port, no lookup of our own (the proxy is an IP literal), the proxy in
        `proxy` and, by default, Basic authentication in `proxy_auth` (both proxies ask for it)."""
        port = self.port_of(role)
        return self.through(url, host, port, line,
                            **{"proxy": "http://127.0.0.1:%d" % port, "proxy_auth": "basic", **fields})

    def refusal(self, role, status, error, plain):
        """The columns of `role`'s own answer `status`, with `error`. Its page is read like any
        answer's for a plain request; a refused CONNECT's body is never read (no title, no
        body_bytes). squid sends Content-Length, tinyproxy does not."""
        reason, version, title = PROXY_ANSWERS[(role, status)]
        row = {"status": status, "reason": reason, "http_version": version, "error": error,
               "proxy_auth": PROXY_AUTH[(role, status)],
               "error_detail": Matches(str(status)) if error else None,
               "content_length": Count() if role == "squid" else None}
        row.update(PROXY_HEADERS[role])
        if plain:
            row.update(title=title, body_bytes=Count())
        return row

    # -- squid: names resolved by the proxy -------------------------------------------------------

    def test_squid_http_with_credentials(self):
        url = self.url("/echo/via", name="h3.test")
        row = self.scan_one(url, "--proxy", self.proxy("squid"))
        # squid names itself in Via on the way to the origin (the fixture echoes it as the title).
        via = row["title"] or ""
        self.assertIn("squid", via)
        self.assertExactRow(row, **self.via(url, "squid", "h3.test", **self.page(via, "echo")))

    def test_squid_http_without_or_with_wrong_credentials(self):
        url = self.url("/", name="h3.test")
        for credentials in ("none", "wrong"):
            with self.subTest(credentials=credentials):
                row = self.scan_one(url, "--proxy", self.proxy("squid", credentials))
                # The 407 is squid's own answer, not the origin's; its whole page was read.
                self.assertExactRow(row, **self.via(url, "squid", "h3.test", **self.refusal(
                    "squid", 407, "proxy_auth_required", plain=True)))
                self.assertEqual(row["body_bytes"], row["content_length"])

    def test_squid_https_through_connect(self):
        url = self.tls_url("valid", "/title/tunnelled")
        row = self.scan_one(url, "--proxy", self.proxy("squid"), *self.ca())
        self.assertExactRow(row, **self.via(url, "squid", "valid.test", **self.page("tunnelled"),
                                            **self.tls()))
        self.assertIsNotNone(row["tls_ms"])

    def test_squid_http2_through_connect(self):
        # ALPN inside the tunnel: the origin speaks HTTP/2 to urlsweep through squid, which only relays
        # bytes, and the URLs of the origin share that one tunnel as streams.
        before = self.h2_count()
        urls = [self.h2_url("h2", "/title/tunnelled%d" % i) for i in range(3)]
        result = self.scan(urls, "--proxy", self.proxy("squid"), *self.ca())
        port = int(urls[0].split(":")[2].split("/")[0])
        for line, url in enumerate(urls, 1):
            self.assertExactRow(result.by_line[line], **self.via(
                url, "squid", "valid.test", line=line,
                **self.page("tunnelled%d" % (line - 1), http_version="2", reason=None), **self.tls()))
        after = self.h2_count()
        self.assertEqual((after[0] - before[0], after[1] - before[1]), (1, 3))
        self.assertNotEqual(port, self.port_of("squid"))

    def test_squid_connect_without_or_with_wrong_credentials(self):
        url = self.tls_url("valid")
        for credentials in ("none", "wrong"):
            with self.subTest(credentials=credentials):
                row = self.scan_one(url, "--proxy", self.proxy("squid", credentials), *self.ca())
                self.assertExactRow(row, **self.via(url, "squid", "valid.test", **self.refusal(
                    "squid", 407, "proxy_auth_required", plain=False)))

    def test_squid_forbidden_connect_is_proxy_error(self):
        url = "https://valid.test:%d/" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("squid"), *self.ca())
        self.assertExactRow(row, **self.via(url, "squid", "valid.test", **self.refusal(
            "squid", 403, "proxy_error", plain=False)))

    def test_origin_name_is_resolved_by_the_proxy(self):
        # PROXY_ONLY_NAME is NXDOMAIN here: had urlsweep looked it up itself, the rows would be
        # dns_nxdomain. dns_ms stays absent: the only name urlsweep needs is the proxy's, a literal.
        http_url = "http://%s:%d/title/proxied" % (PROXY_ONLY_NAME, self.port)
        https_url = "https://%s:%d/title/tunnelled" % (PROXY_ONLY_NAME,
                                                       self.stack.tls_ports["wrong"])
        result = self.scan([http_url, https_url], "--proxy", self.proxy("squid"), *self.ca())
        self.assertExactRow(result.by_line[1], **self.via(http_url, "squid", PROXY_ONLY_NAME,
                                                          **self.page("proxied")))
        self.assertExactRow(result.by_line[2], **self.via(
            https_url, "squid", PROXY_ONLY_NAME, line=2, **self.page("tunnelled"),
            **self.tls(cert="wrong.pem")))
        for line in (1, 2):
            self.assertIsNone(result.by_line[line]["dns_ms"])
        self.assertEqual(self.dnsmasq_queries(PROXY_ONLY_NAME), 0)
        # The control: without the proxy the name does not exist.
        row = self.scan_one(http_url, "--retries", "0")
        self.assertRow(row, error="dns_nxdomain", ip=None)

    def test_proxy_by_name_is_looked_up_by_urlsweep(self):
        # valid.test is 127.0.0.1 in our dnsmasq, where squid listens: dns_ms is that lookup.
        proxy = "http://%s:%s@valid.test:%d" % (self.proxies.user, self.proxies.password,
                                               self.proxies.squid_port)
        url = self.url("/title/named", name="h3.test")
        row = self.scan_one(url, "--proxy", proxy)
        self.assertExactRow(row, **self.via(url, "squid", "h3.test", **self.page("named"),
                                            proxy="http://valid.test:%d" % self.proxies.squid_port))
        self.assertIsInstance(row["dns_ms"], float)

    # -- tinyproxy: IP literals only --------------------------------------------------------------

    def test_tinyproxy_http_with_credentials(self):
        url = "http://127.0.0.1:%d/echo/via" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy"))
        # tinyproxy names itself in Via on the way to the origin (the fixture echoes it as the title).
        via = row["title"] or ""
        self.assertIn("tinyproxy", via)
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1",
                                            **self.page(via, "echo")))

    def test_tinyproxy_http_without_credentials(self):
        url = "http://127.0.0.1:%d/" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy", "none"))
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1", **self.refusal(
            "tinyproxy", 407, "proxy_auth_required", plain=True)))

    def test_tinyproxy_http_with_wrong_credentials_is_a_plain_401(self):
        # tinyproxy answers wrong credentials with 401, not 407: an answer, not a proxy error.
        url = "http://127.0.0.1:%d/" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy", "wrong"))
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1", **self.refusal(
            "tinyproxy", 401, None, plain=True)))

    def test_tinyproxy_https_through_connect(self):
        url = self.tls_url("ip", "/title/tunnelled")
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy"), *self.ca())
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1", **self.page("tunnelled"),
                                            **self.tls(cert="ip.pem")))

    def test_tinyproxy_connect_without_or_with_wrong_credentials(self):
        url = self.tls_url("ip")
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy", "none"), *self.ca())
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1", **self.refusal(
            "tinyproxy", 407, "proxy_auth_required", plain=False)))
        # A CONNECT answered with anything but 2xx or 407 is proxy_error with the proxy's status.
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy", "wrong"), *self.ca())
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1", **self.refusal(
            "tinyproxy", 401, "proxy_error", plain=False)))

    def test_tinyproxy_forbidden_connect_is_proxy_error(self):
        # Only the `ip` and `valid` TLS ports are ConnectPorts.
        url = "https://127.0.0.1:%d/" % self.port
        row = self.scan_one(url, "--proxy", self.proxy("tinyproxy"), *self.ca())
        self.assertExactRow(row, **self.via(url, "tinyproxy", "127.0.0.1", **self.refusal(
            "tinyproxy", 403, "proxy_error", plain=False)))

    # -- percent-encoded credentials --------------------------------------------------------------

    def test_percent_encoded_credentials_are_decoded(self):
        # '@', ':' and '%' in a password must be written %40, %3A and %25 in the proxy URL;
        # tinyproxy cannot hold such a password, so its account gets %2D, %2E and %5F for '-', '.'
        # and '_'.
        encode = {"@": "%40", ":": "%3A", "%": "%25", "-": "%2D", ".": "%2E", "_": "%5F"}
        cases = [("squid", proxy_stack.ODD_USER, proxy_stack.ODD_PASSWORD,
                  self.url("/title/decoded", name="h3.test"), "h3.test", self.tls_url(
                      "valid", "/title/decoded"), "valid.test", "valid.pem"),
                 ("tinyproxy", proxy_stack.TINY_ODD_USER, proxy_stack.TINY_ODD_PASSWORD,
                  "http://127.0.0.1:%d/title/decoded" % self.port, "127.0.0.1",
                  self.tls_url("ip", "/title/decoded"), "127.0.0.1", "ip.pem")]
        for role, user, password, http_url, http_host, https_url, https_host, cert in cases:
            with self.subTest(proxy=role):
                written = "".join(encode.get(c, c) for c in password)
                self.assertNotEqual(written, password)
                proxy = self.proxies.url(role, user, written)
                result = self.scan([http_url, https_url], "--proxy", proxy, *self.ca())
                self.assertExactRow(result.by_line[1], **self.via(http_url, role, http_host,
                                                                  **self.page("decoded")))
                self.assertExactRow(result.by_line[2], **self.via(
                    https_url, role, https_host, line=2, **self.page("decoded"),
                    **self.tls(cert=cert)))
                for secret in (password, written):
                    self.assertNotIn(secret, result.stdout + result.stderr)

    # -- no proxy there, or a silent one ----------------------------------------------------------

    def test_proxy_where_nothing_listens_is_proxy_error(self):
        port = dead_port()
        proxy = "http://%s:%s@127.0.0.1:%d" % (self.proxies.user, self.proxies.password, port)
        urls = [self.url("/"), self.tls_url("valid")]
        result = self.scan(urls, "--proxy", proxy, "--retries", "0", *self.ca())
        for line, (url, host) in enumerate(zip(urls, ("h1.test", "valid.test")), 1):
            with self.subTest(line=line):
                self.assertExactRow(result.by_line[line], **self.through(
                    url, host, port, line, error="proxy_error", error_detail=Matches("(?i)refused"),
                    proxy="http://127.0.0.1:%d" % port))

    def test_proxy_with_an_unknown_name_is_proxy_error(self):
        proxy = "http://%s:3128" % UNKNOWN_PROXY_NAME
        urls = [self.url("/"), self.tls_url("valid")]
        result = self.scan(urls, "--proxy", proxy, *self.ca())
        for line, (url, host) in enumerate(zip(urls, ("h1.test", "valid.test")), 1):
            with self.subTest(line=line):
                # Nothing was connected to: no ip, no port.
                self.assertExactRow(result.by_line[line], line=line, url=url, final_url=url,
                                    host=host, error="proxy_error",
                                    error_detail=Matches("resolve proxy " + UNKNOWN_PROXY_NAME),
                                    redirects=0, attempts=1, proxy=proxy)

    def test_proxy_that_never_answers_connect_is_proxy_error(self):
        # The `nohandshake` TLS listener accepts and reads, and never sends a byte: a proxy that
        # takes the CONNECT and stays silent. The CONNECT counts inside --connect-timeout.
        port = self.stack.tls_ports["nohandshake"]
        url = self.tls_url("valid")
        started = time.monotonic()
        row = self.scan_one(url, "--proxy", "http://127.0.0.1:%d" % port, "--connect-timeout", "1",
                            "--timeout", "30", "--read-timeout", "30", *self.ca())
        elapsed = time.monotonic() - started
        self.assertExactRow(row, **self.through(url, "valid.test", port, error="proxy_error",
                                                error_detail=Matches("CONNECT.*--connect-timeout"),
                                                proxy="http://127.0.0.1:%d" % port))
        self.assertGreaterEqual(elapsed, 1.0)
        self.assertTookLess(elapsed, 1.0 + SLACK_S)

    def test_proxy_that_never_accepts_is_proxy_error(self):
        # The blackhole port's queue is full: the connection to the proxy never completes.
        port = self.stack.blackhole_port
        urls = [self.url("/"), self.tls_url("valid")]
        started = time.monotonic()
        result = self.scan(urls, "--proxy", "http://127.0.0.1:%d" % port, "--connect-timeout", "1",
                           "--timeout", "30", *self.ca())
        self.assertTookLess(time.monotonic() - started, 1.0 + SLACK_S)
        for line, (url, host) in enumerate(zip(urls, ("h1.test", "valid.test")), 1):
            with self.subTest(line=line):
                self.assertExactRow(result.by_line[line], **self.through(
                    url, host, port, line, error="proxy_error",
                    error_detail=Matches("proxy.*--connect-timeout"), proxy="http://127.0.0.1:%d" % port))

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
                        self.assertNoSecrets(secrets, out, err, out_file)
        # And a bad flag's error message, which quotes what it was given.
        code, out, err, _ = self.run_urlsweep(
            ["--proxy", "ftp://%s:%s@127.0.0.1:1" % (self.proxies.user, password), "-"])
        self.assertEqual(code, 1, err)
        for secret in secrets:
            self.assertNotIn(secret, out + err)


if __name__ == "__main__":
    fixtures.main()
