#!/usr/bin/env python3
"""fixture_server's HTTP/2 side alone (no urlsweep), seen by real HTTP/2 clients: nghttp (nghttp2's
client, whose -v shows every frame) and curl --http2. Every fixture path over h2 and h2c, and each
behaviour no real server shows on demand: GOAWAY mid-stream, RST_STREAM, no SETTINGS, a silent
server, a header block beyond 64 KiB, a stalled stream, garbage after ALPN, a stream limit of 2, no
WINDOW_UPDATE. Clients are given IP literals or curl's --resolve: nothing asks the system resolver."""

import os
import re
import socket
import ssl
import subprocess
import time
import unittest

import fixtures
import h2_stack  # noqa: E402  (tools/ is on the path through fixtures)

CLIENT_TIMEOUT_S = 20
# The client connection preface and an empty SETTINGS frame (RFC 9113 sections 3.4 and 6.5).
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
GARBAGE = b"this is not HTTP/2, just garbage after the handshake\r\n"


def run(argv, timeout=CLIENT_TIMEOUT_S, stdout_only=False):
    """(exit status, output): standard output and error together, or standard output alone."""
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                          env=fixtures.clean_env())
    out = proc.stdout.decode("utf-8", "replace")
    return proc.returncode, out if stdout_only else out + proc.stderr.decode("utf-8", "replace")


class H2FixtureTest(fixtures.FixtureTestCase):

    # -- clients ----------------------------------------------------------------------------------

    def literal(self, key, path="/"):
        """URL of H2 listener `key` by its address literal (what nghttp may be given)."""
        files, address, _, _ = fixtures.fixture_stack.H2_LISTENERS[key]
        host = "[%s]" % address if ":" in address else address
        return "%s://%s:%d%s" % ("https" if files else "http", host, self.stack.h2_ports[key], path)

    def nghttp(self, key, *paths, args=()):
        """nghttp -nv on `paths` (one connection, streams 13, 15, ... in order): (rc, frames text)."""
        return run(["nghttp", "-nv", *args] + [self.literal(key, p) for p in paths])

    def curl(self, key, path, *args, timeout_s=10):
        """curl --http2 (or prior knowledge for h2c) on `path`, verifying the certificate under the
        listener's name: (rc, status, http_version, body)."""
        files, address, _, host = fixtures.fixture_stack.H2_LISTENERS[key]
        port = self.stack.h2_ports[key]
        argv = ["curl", "-sS", "-g", "-m", str(timeout_s), "-o", "-", "-w", "\n%{http_code} %{http_version}",
                "--cacert", self.stack.ca_file]
        argv += ["--http2"] if files else ["--http2-prior-knowledge"]
        if not host.startswith("["):
            argv += ["--resolve", "%s:%d:%s" % (host, port, address)]
        rc, out = run(argv + list(args) + [self.stack.h2_url(key, path)], timeout=timeout_s + 10,
                      stdout_only=True)
        body, _, tail = out.rpartition("\n")
        status, _, version = tail.partition(" ")
        return rc, status, version, body

    # -- the paths over HTTP/2 ---------------------------------------------------------------------

    def test_paths_over_h2_and_h2c_on_ipv4_and_ipv6(self):
        for key in ("h2", "h2c", "h2_v6", "h2c_v6", "h2_tls12"):
            rc, status, version, body = self.curl(key, "/")
            self.assertEqual((rc, status, version), (0, "200", "2"), key + body)
            self.assertIn("<title>urlsweep fixture</title>", body, key)
            rc, status, _, body = self.curl(key, "/status/404")
            self.assertEqual((rc, status), (0, "404"), key)
            self.assertIn("<title>404 Not Found</title>", body)
            rc, status, _, body = self.curl(key, "/title/Hello%20h2")
            self.assertIn("<title>Hello h2</title>", body)

    def test_heads_redirects_delays_and_bodies(self):
        rc, out = run(["curl", "-sS", "-I", "--http2-prior-knowledge", self.literal("h2c", "/redirect/2")])
        self.assertEqual(rc, 0)
        self.assertTrue(out.startswith("HTTP/2 302"), out)
        self.assertIn("location: /redirect/1\r\n", out)
        self.assertIn("server: urlsweep-fixture\r\n", out)
        rc, status, _, body = self.curl("h2", "/redirect/3", "-L")
        self.assertEqual((rc, status), (0, "200"))
        started = time.monotonic()
        rc, status, _, _ = self.curl("h2", "/delay/400")
        self.assertEqual((rc, status), (0, "200"))
        self.assertGreaterEqual(time.monotonic() - started, 0.39)
        rc, status, _, body = self.curl("h2c", "/slow/50?n=4")
        self.assertEqual((rc, status, body), (0, "200", "xxxx"))
        rc, status, _, body = self.curl("h2", "/bytes/300000")
        self.assertEqual((rc, status, len(body)), (0, "200", 300000))
        rc, status, _, body = self.curl("h2", "/echo/host")
        self.assertIn("<title>valid.test:%d</title>" % self.stack.h2_ports["h2"], body)
        # Nothing the fixture says over HTTP/1.1 about the connection survives into HTTP/2 fields.
        rc, out = run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "--http2-prior-knowledge",
                       self.literal("h2c", "/chunked/2500")])
        self.assertNotIn("transfer-encoding", out.lower())
        # Over a plain stream, a body cut short is a stream that never ends: curl reports the error.
        rc, status, _, body = self.curl("h2c", "/reset-mid-body")
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(body), 100)

    def test_count_and_stats_see_h2_requests(self):
        before = self.h2_count()
        rc, out = self.nghttp("h2c", "/a", "/b", "/c")
        self.assertEqual(rc, 0, out)
        rc, out = self.nghttp("h2_v6", "/d")
        self.assertEqual(rc, 0, out)
        after = self.h2_count()
        # Three streams on one connection, one on another (HTTP/1 /count opens no HTTP/2 connection).
        self.assertEqual((after[0] - before[0], after[1] - before[1]), (2, 4))
        v6 = self.h2_count("::1")
        self.assertGreaterEqual(v6[0], 1)
        self.assertEqual(self.h2_count("127.0.0.2"), (0, 0))
        # /count over HTTP/2 counts the HTTP/2 ports, itself included.
        _, _, _, body = self.curl("h2c", "/count?addr=::1")
        self.assertEqual(body, "connections %d\nrequests %d\n" % v6)

    # -- behaviours on demand ----------------------------------------------------------------------

    def test_goaway_mid_stream_leaves_later_streams_unprocessed(self):
        rc, out = self.nghttp("h2c", "/h2/goaway", "/delay/300?later")
        self.assertIn("recv GOAWAY frame", out)
        self.assertIn("last_stream_id=13, error_code=NO_ERROR(0x00)", out)
        # Stream 13: head, 1000 bytes, the GOAWAY, then the other 1000 bytes with END_STREAM.
        frames = re.findall(r"recv (\w+) frame <length=(\d+), flags=(0x\w+), stream_id=(\d+)>", out)
        names = [(f[0], f[3]) for f in frames if f[0] != "SETTINGS"]
        self.assertEqual(names, [("HEADERS", "13"), ("DATA", "13"), ("GOAWAY", "0"), ("DATA", "13")], out)
        self.assertEqual(frames[-1][1:3], ("1000", "0x01"))
        # Stream 15 was never answered.
        self.assertNotIn("recv (stream_id=15)", out)
        self.assertIn("Some requests were not processed. total=2, processed=1", out)

    def test_goaway_with_a_lower_last_stream_id(self):
        # ?last=0: GOAWAY at once, before any response: every stream (also earlier ones) unprocessed.
        rc, out = self.nghttp("h2c", "/delay/200?a", "/h2/goaway?last=0", "/delay/100?b")
        self.assertIn("last_stream_id=0, error_code=NO_ERROR(0x00)", out)
        self.assertNotIn("recv HEADERS", out)
        self.assertIn("Some requests were not processed. total=3, processed=0", out)
        # ?last=15 on stream 15: the earlier stream 13 is still answered, 17 is not.
        rc, out = self.nghttp("h2", "/delay/200?a", "/h2/goaway?last=15", "/delay/100?b")
        self.assertIn("last_stream_id=15", out)
        self.assertIn("recv DATA frame <length=89, flags=0x01, stream_id=13>", out)
        self.assertNotRegex(out, r"recv (HEADERS|DATA) frame <[^>]*stream_id=17>")
        self.assertIn("Some requests were not processed. total=3, processed=2", out)

    def test_goaway_with_an_error_ends_the_connection_mid_body(self):
        rc, out = self.nghttp("h2", "/h2/goaway/internal_error")
        self.assertIn("last_stream_id=13, error_code=INTERNAL_ERROR(0x02)", out)
        data = re.findall(r"recv DATA frame <length=(\d+)", out)
        self.assertEqual(data, ["1000"])
        self.assertIn("Some requests were not processed", out)

    def test_rst_stream_before_the_head_and_mid_body(self):
        for code, shown in (("internal_error", "INTERNAL_ERROR(0x02)"), ("REFUSED_STREAM", "REFUSED_STREAM(0x07)"),
                            ("cancel", "CANCEL(0x08)"), ("11", "ENHANCE_YOUR_CALM(0x0b)")):
            rc, out = self.nghttp("h2", "/h2/rst/" + code)
            self.assertIn("recv RST_STREAM frame <length=4, flags=0x00, stream_id=13>", out, code)
            self.assertIn("(error_code=%s)" % shown, out)
            self.assertNotIn("recv HEADERS", out)
        rc, out = self.nghttp("h2c", "/h2/rst-body/protocol_error")
        frames = re.findall(r"recv (HEADERS|DATA|RST_STREAM) frame", out)
        self.assertEqual(frames, ["HEADERS", "DATA", "RST_STREAM"], out)
        self.assertIn("(error_code=PROTOCOL_ERROR(0x01))", out)
        rc, status, _, body = self.curl("h2", "/h2/rst-body/internal_error")
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(body), 1000)

    def test_a_server_that_never_sends_settings(self):
        for key in ("h2_nosettings", "h2c_nosettings"):
            rc, out = self.nghttp(key, "/")
            self.assertNotIn("recv SETTINGS frame <length=0, flags=0x00", out, key)
            self.assertNotRegex(out, r"recv SETTINGS frame <length=\d+, flags=0x00", key)
            self.assertIn("expected SETTINGS frame", out, key)
            rc, _, _, _ = self.curl(key, "/")
            self.assertNotEqual(rc, 0, key)
        # Seen on the wire: after the client's preface, the first frame back is the ACK of the
        # client's SETTINGS, never a SETTINGS frame of the server's own.
        data = self.raw(self.stack.h2_ports["h2c_nosettings"], PREFACE, timeout=0.5)
        self.assertEqual(data[:9], b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
        self.assertEqual(len(data), 9)

    def test_a_silent_server_sends_nothing(self):
        self.assertEqual(self.raw(self.stack.h2_ports["h2c_silent"], PREFACE, timeout=0.5), b"")
        data, protocol = self.tls_raw("h2_silent", PREFACE, timeout=0.5)
        self.assertEqual((data, protocol), (b"", "h2"))
        rc, _, _, _ = self.curl("h2_silent", "/", timeout_s=1)
        self.assertEqual(rc, 28)  # curl's operation timeout

    def test_garbage_after_alpn_h2(self):
        data, protocol = self.tls_raw("h2_garbage", PREFACE)
        self.assertEqual((data, protocol), (GARBAGE, "h2"))
        self.assertEqual(self.raw(self.stack.h2_ports["h2c_garbage"], PREFACE), GARBAGE)
        rc, out = self.nghttp("h2_garbage", "/")
        self.assertIn("expected SETTINGS frame", out)

    def test_huge_header_block(self):
        # On the wire: one HEADERS frame and CONTINUATION frames, more than 64 KiB even compressed.
        frames = self.h2_get_frames(self.stack.h2_ports["h2c"], "/h2/huge-headers")
        block = [(kind, flags, len(payload)) for kind, flags, stream, payload in frames
                 if stream == 1 and kind in (1, 9)]
        self.assertEqual(block[0][0], 1)
        self.assertTrue(all(kind == 9 for kind, _, _ in block[1:]))
        self.assertTrue(block[-1][1] & 0x4)  # END_HEADERS on the last one only
        self.assertGreater(sum(size for _, _, size in block), 64 * 1024)
        # nghttp refuses a header list that large: its RST_STREAM after part of the fields.
        rc, out = self.nghttp("h2", "/h2/huge-headers")
        self.assertGreater(len(re.findall(r"recv \(stream_id=13\) x-fill-", out)), 100)
        self.assertIn("send RST_STREAM frame", out)
        rc, out = self.nghttp("h2c", "/h2/huge-headers?kib=16")
        self.assertIn("recv DATA frame <length=13, flags=0x01", out)
        # /head-large: the HTTP/1 path's 100 KiB of fields, in one block too.
        rc, out = self.nghttp("h2c", "/head-large")
        self.assertGreater(len(re.findall(r"x-fill-\d+", out)), 900)

    def test_stalled_stream(self):
        started = time.monotonic()
        rc, status, _, body = self.curl("h2", "/h2/stall", timeout_s=1)
        self.assertEqual((rc, status, len(body)), (28, "200", 1000))
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        rc, status, _, body = self.curl("h2c", "/h2/stall?n=5000", timeout_s=1)
        self.assertEqual((rc, len(body)), (28, 5000))

    def test_no_window_update_stalls_a_request_body(self):
        body = os.path.join(self.tmp, "body.bin")
        with open(body, "wb") as f:
            f.write(b"\0" * 300000)
        rc, status, _, _ = self.curl("h2", "/", "--data-binary", "@" + body)
        self.assertEqual((rc, status), (0, "200"))
        rc, status, _, _ = self.curl("h2_nowindow", "/", "--data-binary", "@" + body, timeout_s=1)
        self.assertEqual((rc, status), (28, "000"))

    def test_two_streams_at_most(self):
        for key in ("h2_maxstreams2", "h2c_maxstreams2"):
            # nghttp's :authority is the literal 127.0.0.1:PORT; /stats keys it as 127.0.0.1.
            self.reset_stats()
            rc, out = self.nghttp(key, *["/delay/300?n=%d" % i for i in range(6)])
            self.assertEqual(rc, 0, out)
            self.assertIn("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):2]", out)
            stats = self.stats(host="127.0.0.1")
            # A client that sends before the server's SETTINGS arrive (nghttp does, right after the
            # handshake) has the streams beyond 2 refused; the others are answered, 2 at a time.
            refused = out.count("(error_code=REFUSED_STREAM(0x07))")
            answered = len(re.findall(r"recv DATA frame <length=89, flags=0x01", out))
            self.assertEqual((stats["requests"], answered + refused), (answered, 6), key + out)
            self.assertEqual(stats["max_in_flight"], 2, key)
        # Default ports announce 100.
        rc, out = self.nghttp("h2c", "/")
        self.assertIn("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100]", out)

    def test_alpn_without_h2_is_not_served(self):
        context = self.client_context(["http/1.1"])
        with socket.create_connection(("127.0.0.1", self.stack.h2_ports["h2"]), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="valid.test") as tls:
                self.assertIsNone(tls.selected_alpn_protocol())
                tls.sendall(b"GET / HTTP/1.1\r\nHost: valid.test\r\n\r\n")
                # Not the HTTP/2 preface: the server closes without an HTTP answer.
                self.assertNotIn(b"HTTP/1.1", self.read_all(tls, 2.0))

    # -- raw sockets ------------------------------------------------------------------------------

    def h2_get_frames(self, port, path, timeout=2.0):
        """GET `path` on stream 1 of a prior-knowledge connection, as raw frames; reads until the
        stream ends or `timeout`. Returns [(type, flags, stream_id, payload)]."""
        authority = b"valid.test"
        # HPACK (RFC 7541): :method GET, :scheme http (static indices 2 and 6), then :authority and
        # :path as literals without indexing under static names 1 and 4.
        block = (b"\x82\x86" + b"\x01" + bytes([len(authority)]) + authority +
                 b"\x04" + bytes([len(path)]) + path.encode())
        headers = len(block).to_bytes(3, "big") + b"\x01\x05" + (1).to_bytes(4, "big") + block
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(PREFACE + headers)
            data = b""
            frames = []
            sock.settimeout(timeout)
            try:
                while True:
                    while len(data) >= 9 and len(data) >= 9 + int.from_bytes(data[:3], "big"):
                        length = int.from_bytes(data[:3], "big")
                        frames.append((data[3], data[4], int.from_bytes(data[5:9], "big") & 0x7fffffff,
                                       data[9:9 + length]))
                        data = data[9 + length:]
                        if frames[-1][0] in (0, 1, 3) and frames[-1][2] == 1 and (
                                frames[-1][1] & 0x1 or frames[-1][0] == 3):
                            return frames
                    chunk = sock.recv(65536)
                    if not chunk:
                        return frames
                    data += chunk
            except socket.timeout:
                return frames

    def client_context(self, protocols):
        context = ssl.create_default_context(cafile=self.stack.ca_file)
        context.set_alpn_protocols(protocols)
        return context

    @staticmethod
    def read_all(sock, timeout):
        sock.settimeout(timeout)
        data = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except (socket.timeout, ConnectionResetError, ssl.SSLError):
            pass
        return data

    def raw(self, port, payload, timeout=2.0):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(payload)
            return self.read_all(sock, timeout)

    def tls_raw(self, key, payload, timeout=2.0):
        with socket.create_connection(("127.0.0.1", self.stack.h2_ports[key]), timeout=5) as raw:
            with self.client_context(["h2", "http/1.1"]).wrap_socket(raw, server_hostname="valid.test") as tls:
                tls.sendall(payload)
                return self.read_all(tls, timeout), tls.selected_alpn_protocol()


class H2StackTest(fixtures.FixtureTestCase):
    """tools/h2_stack.py: nginx and nghttpd speak HTTP/2 where the stack says, on IPv4 and IPv6, and
    their logs count the connections a client used."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cert, key = cls.cert("ip-chain.pem"), cls.cert("ip-key.pem")  # IP SANs 127.0.0.1 and ::1
        cls.nginx = h2_stack.NginxH2(cls.tmp, cert, key, max_streams=7)
        cls.addClassCleanup(cls.nginx.stop)
        cls.nginx.start()
        cls.nghttpd_tls = h2_stack.Nghttpd(cls.tmp, cert, key, address="127.0.0.1")
        cls.addClassCleanup(cls.nghttpd_tls.stop)
        cls.nghttpd_tls.start()
        cls.nghttpd_h2c = h2_stack.Nghttpd(cls.tmp, address="::1", max_streams=3)
        cls.addClassCleanup(cls.nghttpd_h2c.stop)
        cls.nghttpd_h2c.start()

    def curl(self, url, *args):
        rc, out = run(["curl", "-sS", "-g", "-m", "10", "--cacert", self.stack.ca_file, "-o", "/dev/null",
                       "-w", "%{http_code} %{http_version}", *args, url], stdout_only=True)
        self.assertEqual(rc, 0, url)
        return out

    def test_nginx_protocols_on_each_port_and_address(self):
        for v6 in (False, True):
            self.assertEqual(self.curl(self.nginx.url("/", v6=v6), "--http2"), "200 2")
            self.assertEqual(self.curl(self.nginx.url("/", tls=False, v6=v6), "--http2-prior-knowledge"),
                             "200 2")
            self.assertEqual(self.curl(self.nginx.url("/", v6=v6, http1=True)), "200 1.1")
            # ALPN offers http/1.1 only: the TLS port speaks it.
            self.assertEqual(self.curl(self.nginx.url("/", v6=v6), "--http1.1"), "200 1.1")
        self.assertEqual(self.curl(self.nginx.url("/status/404")), "404 2")
        self.assertEqual(self.curl(self.nginx.url("/redirect")), "302 2")
        rc, out = run(["curl", "-sS", "--cacert", self.stack.ca_file, self.nginx.url("/anything")],
                      stdout_only=True)
        self.assertIn("<title>%s</title>" % h2_stack.PAGE_TITLE, out)

    def test_nginx_log_counts_connections(self):
        port = self.nginx.h2c_port
        before = self.nginx.connections(port=port)
        rc, out = run(["nghttp", "-nv"] + [self.nginx.url("/c%d" % i, tls=False) for i in range(5)])
        self.assertEqual(rc, 0, out)
        self.assertIn("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):7]", out)
        self.curl(self.nginx.url("/c5", tls=False), "--http2-prior-knowledge")
        fixtures.wait_until(lambda: len([r for r in self.nginx.requests() if r.path.startswith("/c")]) == 6,
                            "nginx logged 6 requests")
        mine = [r for r in self.nginx.requests() if r.path.startswith("/c")]
        self.assertEqual({r.protocol for r in mine}, {"HTTP/2.0"})
        self.assertEqual(sorted(r.connection_requests for r in mine if r.path != "/c5"), [1, 2, 3, 4, 5])
        # nghttp's five streams on one connection, curl's one on another.
        self.assertEqual(len({r.connection for r in mine}), 2)
        self.assertEqual(self.nginx.connections(port=port) - before, 2)

    def test_nghttpd_tls_and_prior_knowledge(self):
        self.assertEqual(self.curl(self.nghttpd_tls.url("/"), "--http2"), "200 2")
        self.assertEqual(self.curl(self.nghttpd_h2c.url("/"), "--http2-prior-knowledge"), "200 2")
        self.assertTrue(self.nghttpd_h2c.url("/").startswith("http://[::1]:"))
        self.assertEqual(self.curl(self.nghttpd_h2c.url("/missing"), "--http2-prior-knowledge"), "404 2")
        before = self.nghttpd_h2c.connections()
        # Three streams, its limit (a fourth sent before its SETTINGS arrive would be refused).
        rc, out = run(["nghttp", "-nv"] + [self.nghttpd_h2c.url("/?n=%d" % i) for i in range(3)])
        self.assertIn("[SETTINGS_MAX_CONCURRENT_STREAMS(0x03):3]", out)
        fixtures.wait_until(
            lambda: len([r for r in self.nghttpd_h2c.requests() if r.path.startswith("/?n=")]) == 3,
            "nghttpd logged 3 requests")
        self.assertEqual(self.nghttpd_h2c.connections(), before + 1)
        rc, out = run(["curl", "-sS", "--cacert", self.stack.ca_file, "-o", "/dev/null", "-w", "%{size_download}",
                       self.nghttpd_tls.url("/big.bin")], stdout_only=True)
        self.assertEqual(out, str(1 << 20))


if __name__ == "__main__":
    fixtures.main()
