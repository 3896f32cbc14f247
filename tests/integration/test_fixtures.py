#!/usr/bin/env python3
"""The fixtures themselves: every path of fixture_server, the blackhole, dnsmasq's names and
dns_fixture's answers, the start/stop scripts and gen_urls. Needs no urlsweep, so it tells a broken
fixture from a broken scanner."""

import gzip
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest

import fixtures
from fixtures import dns_fixture, fixture_stack, gen_urls


def raw_exchange(port, request, host="127.0.0.1", timeout=5.0, split=False):
    """Sends `request` bytes (one byte per send when `split`) and reads until the server closes or
    `timeout` passes. Returns (bytes, error) where error is None, 'reset' or 'timeout'."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    sock.connect((host, port))
    try:
        if split:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            for b in request:
                sock.send(bytes([b]))
        else:
            sock.sendall(request)
        data = b""
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                return data, "reset"
            except socket.timeout:
                return data, "timeout"
            if not chunk:
                return data, None
            data += chunk
    finally:
        sock.close()


def get(path, extra=b"", version=b"1.1", method=b"GET"):
    return (method + b" " + path.encode() + b" HTTP/" + version + b"\r\nHost: fixture\r\n" + extra +
            b"Connection: close\r\n\r\n")


class FixtureServerTest(fixtures.FixtureTestCase):

    def test_every_address_answers_on_one_port(self):
        for host in ("127.0.0.1", "::1", "127.0.1.0", "127.0.2.77", "127.0.4.255"):
            data, err = raw_exchange(self.port, get("/"), host=host)
            self.assertIsNone(err, host)
            self.assertTrue(data.startswith(b"HTTP/1.1 200 OK\r\n"), host)
            self.assertIn(b"<title>urlsweep fixture</title>", data)
        self.assertNotEqual(self.stack.blackhole_port, self.port)

    def test_default_page(self):
        status, headers, body = self.fetch("/anything/unknown?x=1")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], fixtures.HTML)
        self.assertEqual(headers["Server"], fixtures.SERVER)
        self.assertEqual(int(headers["Content-Length"]), len(body))
        self.assertIn(b"<title>urlsweep fixture</title>", body)

    def test_status_codes_and_reason(self):
        for code, reason in (("404", b"Not Found"), ("500", b"Internal Server Error"),
                             ("999", b"Unknown"), ("000", b"Unknown"), ("201", b"Created")):
            data, _ = raw_exchange(self.port, get("/status/" + code))
            self.assertTrue(data.startswith(b"HTTP/1.1 " + code.encode() + b" " + reason + b"\r\n"),
                            data[:80])
        data, _ = raw_exchange(self.port, get("/status/200?reason=Fine+Thanks%21"))
        self.assertTrue(data.startswith(b"HTTP/1.1 200 Fine Thanks!\r\n"))

    def test_delay_and_slow(self):
        started = time.monotonic()
        status, _, _ = self.fetch("/delay/400")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.39)
        started = time.monotonic()
        data, err = raw_exchange(self.port, get("/slow/100?n=4"))
        self.assertIsNone(err)
        self.assertTrue(data.endswith(b"\r\n\r\nxxxx"))
        self.assertGreaterEqual(time.monotonic() - started, 0.39)

    def test_hang_never_answers(self):
        data, err = raw_exchange(self.port, get("/hang"), timeout=0.5)
        self.assertEqual((data, err), (b"", "timeout"))

    def test_bodies(self):
        status, headers, body = self.fetch("/bytes/100000")
        self.assertEqual((status, headers["Content-Length"], len(body)), (200, "100000", 100000))
        status, headers, body = self.fetch("/chunked/2500")
        self.assertEqual((status, headers["Transfer-Encoding"], len(body)), (200, "chunked", 2500))
        self.assertNotIn("Content-Length", headers)
        data, _ = raw_exchange(self.port, get("/chunked/2500"))
        self.assertIn(b"\r\n3e8\r\n", data)  # several chunks of 1000 bytes
        self.assertTrue(data.endswith(b"\r\n0\r\n\r\n"))
        _, _, body = self.fetch("/title/Hello%20World")
        self.assertIn(b"<title>Hello World</title>", body)

    def test_http10_is_close_delimited(self):
        data, err = raw_exchange(self.port, get("/http10", version=b"1.1"))
        self.assertIsNone(err)
        self.assertTrue(data.startswith(b"HTTP/1.0 200 OK\r\n"))
        head = data.split(b"\r\n\r\n", 1)[0]
        self.assertNotIn(b"Content-Length", head)
        self.assertTrue(data.endswith(b"</html>\n"))

    def test_head_large(self):
        data, _ = raw_exchange(self.port, get("/head-large"))
        head = data.split(b"\r\n\r\n", 1)[0]
        self.assertGreaterEqual(len(head), 100 * 1024)
        self.assertTrue(head.startswith(b"HTTP/1.1 200 OK\r\n"))

    def test_redirects(self):
        cases = {
            "/redirect/3": (302, "/redirect/2"),
            "/redirect/1": (302, "/redirect/0"),
            "/loop/a": (302, "/loop/b"),
            "/loop/b": (302, "/loop/a"),
            "/to?url=http%3A%2F%2Fh2.test%3A1%2Fx": (302, "http://h2.test:1/x"),
            "/to?url=/y&code=307": (307, "/y"),
            "/redirect-code/308": (308, "/"),
            "/redirect-code/301?to=/status/201": (301, "/status/201"),
        }
        for path, (code, location) in cases.items():
            status, headers, _ = self.fetch(path)
            self.assertEqual((status, headers.get("Location")), (code, location), path)
        status, headers, _ = self.fetch("/redirect/0")
        self.assertEqual((status, headers.get("Location")), (200, None))
        data, _ = raw_exchange(self.port, b"GET /redirect-abs/2 HTTP/1.1\r\nHost: h9.test:77\r\n"
                                          b"Connection: close\r\n\r\n")
        self.assertIn(b"\r\nLocation: http://h9.test:77/redirect-abs/1\r\n", data)

    def test_broken_exchanges(self):
        self.assertEqual(raw_exchange(self.port, get("/close")), (b"", None))
        self.assertEqual(raw_exchange(self.port, get("/reset")), (b"", "reset"))
        data, err = raw_exchange(self.port, get("/reset-mid-body"))
        self.assertEqual(err, "reset")
        head, body = data.split(b"\r\n\r\n", 1)
        self.assertIn(b"Content-Length: 1000", head)
        self.assertEqual(len(body), 100)
        self.assertEqual(raw_exchange(self.port, get("/garbage")),
                         (b"this is not http\r\n\r\n", None))

    def test_interim_and_bodiless(self):
        data, _ = raw_exchange(self.port, get("/continue"))
        self.assertTrue(data.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"))
        for path, line in (("/no-content", b"HTTP/1.1 204 No Content\r\n"),
                           ("/not-modified", b"HTTP/1.1 304 Not Modified\r\n")):
            data, _ = raw_exchange(self.port, get(path))
            self.assertTrue(data.startswith(line))
            self.assertTrue(data.endswith(b"\r\n\r\n"), path)  # no body
            self.assertNotIn(b"Content-Length", data)

    def test_echo(self):
        request = get("/echo", extra=b"User-Agent: probe/1.0\r\nX-Test: yes\r\n")
        data, _ = raw_exchange(self.port, request)
        self.assertTrue(data.endswith(request))
        for header, value in (("user-agent", b"probe/1.0"), ("x-test", b"yes"), ("host", b"fixture"),
                              ("x-absent", b"(none)")):
            data, _ = raw_exchange(self.port, get("/echo/" + header, extra=b"User-Agent: probe/1.0\r\n"
                                                                            b"X-Test: yes\r\n"))
            self.assertIn(b"<title>" + value + b"</title>", data)

    def test_head_has_no_body(self):
        data, _ = raw_exchange(self.port, get("/bytes/500", method=b"HEAD"))
        self.assertIn(b"Content-Length: 500\r\n", data)
        self.assertTrue(data.endswith(b"\r\n\r\n"))

    def test_keep_alive_pipelining_and_counting(self):
        address = self.address(700)
        before = self.count(address)
        self.assertEqual(before, (0, 0))
        requests = (b"GET /status/201 HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"HEAD /bytes/10 HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"GET /keepalive-off HTTP/1.1\r\nHost: x\r\n\r\n"
                    b"GET /never-read HTTP/1.1\r\nHost: x\r\n\r\n")
        data, err = raw_exchange(self.port, requests, host=address, split=True)
        self.assertIsNone(err)  # the server closed after /keepalive-off
        self.assertEqual(data.count(b"HTTP/1.1 "), 3)
        self.assertIn(b"Connection: close\r\n", data)
        self.assertEqual(self.count(address), (1, 3))
        connections, requests_seen = self.count()
        self.assertGreaterEqual(requests_seen, 4)  # includes the /count requests themselves

    def test_request_bodies_are_skipped(self):
        requests = (b"POST /status/201 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nGET /x"
                    b"GET /status/202 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data, err = raw_exchange(self.port, requests, split=True)
        self.assertIsNone(err)
        self.assertIn(b"HTTP/1.1 201 Created\r\n", data)
        self.assertIn(b"HTTP/1.1 202 Accepted\r\n", data)
        data, _ = raw_exchange(self.port, b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
        self.assertTrue(data.startswith(b"HTTP/1.1 501 Not Implemented\r\n"))

    def test_http10_keep_alive_and_bad_requests(self):
        data, _ = raw_exchange(self.port, b"GET / HTTP/1.0\r\n\r\n")
        self.assertIn(b"Connection: close\r\n", data)
        data, err = raw_exchange(self.port, b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                                 timeout=0.5)
        self.assertIn(b"Connection: keep-alive\r\n", data)
        self.assertEqual(err, "timeout")  # the connection stayed open
        data, _ = raw_exchange(self.port, b"NOT HTTP AT ALL\r\n\r\n")
        self.assertTrue(data.startswith(b"HTTP/1.1 400 Bad Request\r\n"))
        data, _ = raw_exchange(self.port, b"GET / HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
        self.assertTrue(data.startswith(b"HTTP/1.1 431 "))

    def test_blackhole_connect_hangs(self):
        sock = socket.socket()
        sock.settimeout(1.0)
        started = time.monotonic()
        with self.assertRaises(socket.timeout):
            sock.connect(("127.0.0.1", self.stack.blackhole_port))
        sock.close()
        self.assertGreaterEqual(time.monotonic() - started, 0.9)


class DnsFixturesTest(fixtures.FixtureTestCase):

    def dnsmasq(self, name, qtype=dns_fixture.TYPE_A):
        return dns_fixture.query("127.0.0.1", self.stack.dns_port, name, qtype)

    def test_dnsmasq_names(self):
        self.assertEqual(self.dnsmasq("h1.test")[2], [("A", fixture_stack.LOCAL_TTL, "127.0.1.1")])
        self.assertEqual(self.dnsmasq("h1024.test")[2], [("A", fixture_stack.LOCAL_TTL, "127.0.1.0")])
        self.assertEqual(self.dnsmasq("h4999.test")[2][0][2], self.address(4999))
        self.assertEqual(self.dnsmasq("v6.test", dns_fixture.TYPE_AAAA)[2],
                         [("AAAA", fixture_stack.LOCAL_TTL, "::1")])
        self.assertEqual(self.dnsmasq("v6.test")[:1] + (self.dnsmasq("v6.test")[2],), (0, []))
        self.assertEqual(self.dnsmasq("both.test")[2][0][2], "127.0.0.1")
        self.assertEqual(self.dnsmasq("both.test", dns_fixture.TYPE_AAAA)[2][0][2], "::1")

    def test_dnsmasq_nxdomain_is_not_nodata(self):
        rcode, _, answers = self.dnsmasq("nodata.test")
        self.assertEqual((rcode, answers), (dns_fixture.RCODE_NOERROR, []))
        rcode, _, answers = self.dnsmasq("nodata.test", dns_fixture.TYPE_AAAA)
        self.assertEqual((rcode, answers), (dns_fixture.RCODE_NOERROR, []))
        for name in ("nx.test", "h5000.test"):
            rcode, _, answers = self.dnsmasq(name)
            self.assertEqual((rcode, answers), (dns_fixture.RCODE_NXDOMAIN, []), name)

    def test_dead_domain_times_out(self):
        self.assertIsNone(dns_fixture.query("127.0.0.1", self.stack.dns_port, "x.dead.test",
                                            timeout=1.0))

    def test_dns_fixture_answers(self):
        port = self.stack.dns_fixture_port

        def ask(name, tcp=False):
            return dns_fixture.query("127.0.0.1", port, name, tcp=tcp, timeout=1.0)

        self.assertEqual(ask("servfail1.test")[0], dns_fixture.RCODE_SERVFAIL)
        self.assertEqual(ask("refused.x.test")[0], dns_fixture.RCODE_REFUSED)
        self.assertEqual(ask("nxdomain.test")[0], dns_fixture.RCODE_NXDOMAIN)
        self.assertEqual(ask("anything.example")[2], [("A", dns_fixture.ANSWER_TTL, "127.0.0.1")])
        with self.assertRaises(ValueError):
            ask("garbage1.test")
        rcode, flags, answers = ask("trunc1.test")
        self.assertEqual((rcode, bool(flags & 0x0200), answers), (0, True, []))
        rcode, flags, answers = ask("trunc1.test", tcp=True)
        self.assertEqual((rcode, bool(flags & 0x0200), answers),
                         (0, False, [("A", dns_fixture.ANSWER_TTL, "127.0.0.1")]))
        self.assertIsNone(ask("silent1.test"))
        self.assertIsNone(ask("silent1.test", tcp=True))
        self.assertEqual(self.dns_fixture_queries("trunc1.test", "tcp"), 1)


class ScriptsTest(unittest.TestCase):

    def test_fixtures_sh_start_and_stop_by_pid(self):
        with tempfile.TemporaryDirectory(prefix="urlsweep-it-") as tmp:
            script = os.path.join(fixtures.ROOT, "tools", "fixtures.sh")
            workdir = os.path.join(tmp, "stack")
            subprocess.run([script, "start", workdir, fixtures.FIXTURE_BIN], check=True, timeout=60)
            env = {}
            with open(os.path.join(workdir, "env")) as f:
                for line in f:
                    key, _, value = line.strip().partition("=")
                    env[key] = value.strip("'")
            pids = [int(env[k]) for k in ("FIXTURE_SERVER_PID", "DNSMASQ_PID", "DNS_FIXTURE_PID")]
            try:
                for pid in pids:
                    self.assertTrue(os.path.exists("/proc/%d" % pid))
                reply = dns_fixture.query("127.0.0.1", int(env["DNS_PORT"]), "h3.test")
                self.assertEqual(reply[2][0][2], "127.0.1.3")
            finally:
                subprocess.run([script, "stop", workdir], check=True, timeout=60)
            for pid in pids:
                self.assertFalse(fixture_stack._pid_is_ours(pid, workdir), pid)

    def test_stack_stops_when_start_fails(self):
        with tempfile.TemporaryDirectory(prefix="urlsweep-it-") as tmp:
            stack = fixture_stack.FixtureStack(tmp, "/bin/false")
            with self.assertRaises(RuntimeError):
                stack.start()
            self.assertEqual(stack.procs, {})

    def test_gen_urls(self):
        urls = list(gen_urls.urls(40, 3, 8080, first_name=10))
        self.assertEqual(len(urls), 40)
        self.assertEqual(urls[0], "http://h10.test:8080/")
        self.assertEqual({u.split("/")[2] for u in urls},
                         {"h10.test:8080", "h11.test:8080", "h12.test:8080"})
        statuses = [gen_urls.expected_status(u) for u in urls]
        self.assertEqual(sorted(set(statuses)), [200, 201, 302, 404, 500])
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "u.txt.gz")
            subprocess.run([sys.executable, os.path.join(fixtures.ROOT, "tools", "gen_urls.py"),
                            "--count", "5", "--names", "2", "--port", "1", "-o", path], check=True)
            with gzip.open(path, "rt") as f:
                self.assertEqual(f.read().splitlines(), list(gen_urls.urls(5, 2, 1)))


if __name__ == "__main__":
    fixtures.main()
