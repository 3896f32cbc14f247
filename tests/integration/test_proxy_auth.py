#!/usr/bin/env python3
"""Proxy authentication (--proxy-auth) against real squids (tools/proxy_stack.py AuthSquid): one asking
for Digest (digest_file_auth), one for NTLM (ntlm_fake_auth: the three messages, any password; user
names outside the accounts refused with a 407), one offering Basic and Digest together. Each with the
right, wrong and no credentials, for http URLs (absolute form) and https URLs (CONNECT), rows asserted
whole; curl (--proxy-digest, --proxy-ntlm, --proxy-anyauth) against the same squid must reach the
same verdict. Also: NTLM's handshake once per connection then reuse (squid's access log counts the
407s), Digest nonces going stale under load, and credentials that never show in any output."""

import os
import shutil
import subprocess

import fixtures
from fixtures import Matches
from fixtures import fixture_stack

import proxy_stack  # tools/, on the path through fixtures
from test_proxy import Count, ProxyRows

# squid 5.7's own answers (as in test_proxy.py).
SQUID_HEADERS = {"server": Matches(r"^squid/\d"), "content_type": "text/html;charset=utf-8"}
SQUID_407 = ("Proxy Authentication Required", "1.1", "ERROR: Cache Access Denied")
# A user name the NTLM squid does not admit (ntlm_fake_auth accepts any password, so a wrong NTLM
# credential is a wrong user name).
INTRUDER = "intruder"
# URLs through the Digest squid in the stale-nonce test: past squid's nonce_max_count (50) twice.
STALE_URLS = 120
CURL_TIMEOUT_S = 30


class ProxyAuthTest(ProxyRows, fixtures.FixtureTestCase):

    @classmethod
    def setUpClass(cls):
        missing = [b for b in ("squid", "curl") if shutil.which(b) is None]
        if missing:
            raise RuntimeError("not installed: %s" % ", ".join(missing))
        super().setUpClass()
        hosts = {"h%d.test" % n: fixture_stack.address_for(n) for n in range(4)}
        hosts.update({name: "127.0.0.1" for name in fixture_stack.TLS_NAMES})
        cls.squids = {}
        for name, schemes in (("digest", ["digest"]), ("ntlm", ["ntlm"]),
                              ("basic_digest", ["basic", "digest"])):
            cls.squids[name] = cls.start_stack(
                proxy_stack.AuthSquid(os.path.join(cls.tmp, "squid-" + name), hosts, schemes))

    # -- helpers ----------------------------------------------------------------------------------

    def proxy_url(self, squid, credentials):
        s = self.squids[squid]
        if credentials == "right":
            return s.url(user=s.user, password=s.password)
        if credentials == "wrong":
            if squid == "ntlm":
                return s.url(user=INTRUDER, password=s.password)
            return s.url(user=s.user, password="not-the-password")
        return s.url()

    def proxy_columns(self, squid, proxy_auth):
        return {"proxy": "http://127.0.0.1:%d" % self.squids[squid].squid_port, "proxy_auth": proxy_auth}

    def expected(self, url, host, squid, proxy_auth, ok, https):
        row = self.through(url, host, self.squids[squid].squid_port, **self.proxy_columns(squid, proxy_auth))
        if ok:
            row.update(self.page("authed"))
            if https:
                row.update(self.tls())
            return row
        reason, version, title = SQUID_407
        row.update(status=407, reason=reason, http_version=version, error="proxy_auth_required",
                   error_detail=Matches("407"), content_length=Count(), **SQUID_HEADERS)
        if not https:
            row.update(title=title, body_bytes=Count())  # a refused CONNECT's page is not reported
        return row

    def curl_status(self, squid, credentials, url, flag):
        """The final status curl gets through `squid` with `flag` (407 when the proxy refused)."""
        s = self.squids[squid]
        argv = ["curl", "-s", "-o", os.devnull, "-w", "%{http_code} %{http_connect}",
                "--max-time", "20", "--cacert", self.cert("ca.pem"),
                "-x", "http://127.0.0.1:%d" % s.squid_port, flag]
        if credentials != "none":
            user = INTRUDER if (credentials == "wrong" and squid == "ntlm") else s.user
            password = s.password if (credentials == "right" or squid == "ntlm") else "not-the-password"
            argv += ["-U", "%s:%s" % (user, password)]
        done = subprocess.run(argv + [url], capture_output=True, text=True, timeout=CURL_TIMEOUT_S,
                              env=fixtures.clean_env(None))
        code, _, connect = done.stdout.partition(" ")
        return 407 if connect.strip() == "407" else int(code or 0)

    def run_matrix(self, squid, modes, scheme, curl_flag, offered, offered_after_wrong=None):
        """Right, wrong and no credentials, http and https, through `squid` in each of `modes`: rows
        with proxy_auth `scheme` on success, `offered` on a 407 (`offered_after_wrong` for the 407
        that refuses wrong credentials, when the proxy then offers less); curl with `curl_flag` gets
        the same verdict."""
        http_url = self.url("/title/authed", name="h2.test")
        https_url = self.tls_url("valid", "/title/authed")
        for credentials in ("right", "wrong", "none"):
            for url, host, https in ((http_url, "h2.test", False), (https_url, "valid.test", True)):
                ok = credentials == "right"
                for mode in modes:
                    with self.subTest(squid=squid, mode=mode, credentials=credentials, https=https):
                        row = self.scan_one(url, "--proxy", self.proxy_url(squid, credentials),
                                            "--proxy-auth", mode, "--ca-file", self.cert("ca.pem"))
                        words = scheme if ok else offered
                        if credentials == "wrong" and offered_after_wrong:
                            words = offered_after_wrong
                        self.assertExactRow(row, **self.expected(url, host, squid, words, ok, https))
                with self.subTest(squid=squid, curl=curl_flag, credentials=credentials, https=https):
                    self.assertEqual(self.curl_status(squid, credentials, url, curl_flag),
                                     200 if ok else 407)

    def count_407(self, squid):
        with open(os.path.join(self.squids[squid].squid_dir, "access.log")) as f:
            return sum(1 for line in f if "/407 " in line)

    # -- the matrix -------------------------------------------------------------------------------

    def test_digest(self):
        self.run_matrix("digest", ["any", "digest"], "digest", "--proxy-digest", "digest")
        self.run_matrix("digest", ["any"], "digest", "--proxy-anyauth", "digest")

    def test_ntlm(self):
        self.run_matrix("ntlm", ["any", "ntlm"], "ntlm", "--proxy-ntlm", "ntlm")
        self.run_matrix("ntlm", ["any"], "ntlm", "--proxy-anyauth", "ntlm")

    def test_basic_and_digest_any_picks_digest(self):
        # Wrong Digest credentials get a 407 offering Digest alone (squid keeps to the scheme tried).
        self.run_matrix("basic_digest", ["any", "digest"], "digest", "--proxy-anyauth", "basic,digest",
                        offered_after_wrong="digest")
        self.run_matrix("basic_digest", ["basic"], "basic", "--proxy-basic", "basic,digest")

    def test_named_scheme_the_proxy_does_not_offer(self):
        # Basic up front to a Digest-only squid, NTLM to it: refused, the offer reported.
        url = self.url("/title/authed", name="h2.test")
        for mode in ("basic", "ntlm"):
            with self.subTest(mode=mode):
                row = self.scan_one(url, "--proxy", self.proxy_url("digest", "right"), "--proxy-auth", mode)
                self.assertExactRow(row, **self.expected(url, "h2.test", "digest", "digest", False, False))

    # -- connections ------------------------------------------------------------------------------

    def test_ntlm_handshake_once_per_connection_then_reuse(self):
        # One slot: every plain http request goes over one connection to the proxy, across hosts. The
        # first request learns the scheme (a 407), the NEGOTIATE gets the CHALLENGE (a 407), and
        # everything after rides the authenticated connection. Each https origin gets a tunnel of its
        # own (NEGOTIATE, CHALLENGE in a 407, AUTHENTICATE), which its next URL reuses.
        before = self.count_407("ntlm")
        urls = [self.url("/title/authed", name="h%d.test" % (1 + n % 3)) for n in range(9)]
        # -c 1 holds one connection at a time: a tunnel is reused by the next URL of its origin only
        # (the next origin's tunnel takes its place).
        tls = [self.tls_url("valid", "/title/authed?1"), self.tls_url("valid", "/title/authed?2"),
               self.tls_url("ip", "/title/authed")]
        tunnels = 2
        result = self.scan(urls + tls, "--proxy", self.proxy_url("ntlm", "right"), "-c", "1",
                           "--ca-file", self.cert("ca.pem"))
        self.assertEqual(len(result.rows), len(urls) + len(tls))
        for row in result.rows:
            self.assertRow(row, status=200, error=None, attempts=1, proxy_auth="ntlm")
        with open(os.path.join(self.squids["ntlm"].squid_dir, "access.log")) as f:
            log = f.read()
        self.assertEqual(self.count_407("ntlm") - before, 2 + tunnels, log)

    def test_digest_stale_nonces_are_answered(self):
        # squid makes a nonce stale after 50 uses: 120 URLs at -c 4 go through two or more stale
        # rounds, none of which may show as a refusal.
        before = self.count_407("digest")
        urls = [self.url("/title/authed?%d" % n, name="h%d.test" % (1 + n % 3)) for n in range(STALE_URLS)]
        result = self.scan(urls, "--proxy", self.proxy_url("digest", "right"), "-c", "4")
        self.assertEqual(len(result.rows), STALE_URLS)
        bad = [r for r in result.rows if r.get("status") != 200 or r.get("error") or r.get("attempts") != 1]
        self.assertEqual(bad, [])
        # At least the first challenge and two stale nonces (50 uses each) were met along the way.
        self.assertGreaterEqual(self.count_407("digest") - before, 1 + STALE_URLS // 50)

    # -- secrets ----------------------------------------------------------------------------------

    def test_credentials_never_appear_in_any_output(self):
        password = proxy_stack.PASSWORD
        secrets = [password, proxy_stack.basic_credentials(proxy_stack.USER, password)]
        urls = [self.url("/", name="h1.test"), self.tls_url("valid"), self.url("/status/500", name="h2.test")]
        for squid in ("digest", "ntlm", "basic_digest"):
            for mode in ("any", "basic"):
                for fmt, suffix in (("csv", ".csv"), ("jsonl", ".jsonl"), ("parquet", ".parquet")):
                    with self.subTest(squid=squid, mode=mode, format=fmt):
                        out_file = os.path.join(self.tmp, "secret-%s-%s%s" % (squid, mode, suffix))
                        input_file = self.write_input("secret-input.txt", urls)
                        code, out, err, _ = self.run_urlsweep(
                            ["--proxy", self.proxy_url(squid, "right"), "--proxy-auth", mode,
                             "--format", fmt, "-o", out_file, "--summary", "--progress", "--retries", "0",
                             "--ca-file", self.cert("ca.pem"), input_file])
                        self.assertEqual(code, 0, err)
                        self.assertNoSecrets(secrets, out, err, out_file)


if __name__ == "__main__":
    fixtures.main()
