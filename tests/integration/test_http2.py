#!/usr/bin/env python3
"""HTTP/2 against real servers on loopback: Debian's nginx (http2 on a TLS port, chosen by ALPN, and on
a plain port spoken with prior knowledge) and nghttpd, nghttp2's own server, as a second implementation.
Whole rows over IPv4 and IPv6; and, from nginx's access log ($connection), that one host's 200 URLs take
one connection over HTTP/2 and a few kept-alive ones under --http1.1. Every server is this test's own
instance (own config, ports, logs under the test's temporary directory), stopped by its PID."""

import collections
import os
import shutil
import socket
import threading
import time

import fixtures
from process_util import free_ports

# URLs of one host in the connection-count tests.
MANY = 200
NGINX_BODY = "<title>over $server_protocol</title>"
# What nginx's `return 200 "<title>over HTTP/2.0</title>"` sends (server_tokens off: "nginx").
H2_TITLE = "over HTTP/2.0"
BIG_BYTES = 1 << 20
# nginx and nghttpd listen on both loopbacks: every port is picked free on each.
LOOPBACKS = ("127.0.0.1", "::1")


class Http2Base(fixtures.FixtureTestCase):
    def ca(self):
        return ["--ca-file", self.cert("ca.pem")]

    def page_length(self, row):
        """The length of a server's own error page (it names the server's version or port): whatever
        it is, the whole announced body was read."""
        self.assertIsInstance(row.get("content_length"), int)
        self.assertGreater(row["content_length"], 0)
        self.assertEqual(row.get("body_bytes"), row["content_length"])
        return row["content_length"]

    def not_after(self):
        return fixtures.cert_not_after(self.cert("ip.pem")).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def h2_row(self, url, host, port, line=1, tls=True, **fields):
        row = {"line": line, "url": url, "final_url": url, "host": host,
               "ip": host.strip("[]"), "port": port, "status": 200, "http_version": "2",
               "redirects": 0, "attempts": 1}
        if tls:
            row.update(tls_version="TLSv1.3", tls_verify="ok", cert_not_after=self.not_after())
        row.update(fields)
        return row


class NginxHttp2Test(Http2Base):
    """nginx 1.22: `listen ... ssl http2` (h2 by ALPN) and `listen ... http2` (h2c, prior knowledge)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if shutil.which("nginx") is None:
            raise RuntimeError("nginx not found (tools/install_deps.sh installs nginx-light)")
        cls.dir = os.path.join(cls.tmp, "nginx")
        os.makedirs(os.path.join(cls.dir, "temp"), exist_ok=True)
        os.makedirs(os.path.join(cls.dir, "www"), exist_ok=True)
        with open(os.path.join(cls.dir, "www", "big.bin"), "wb") as f:
            f.write(b"b" * BIG_BYTES)
        cls.tls_port, cls.h2c_port = free_ports(2, LOOPBACKS)
        conf = os.path.join(cls.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(cls.config())
        ports = [(h, p) for h in LOOPBACKS for p in (cls.tls_port, cls.h2c_port)]
        cls.nginx = cls.start_server(
            ["nginx", "-p", cls.dir, "-c", conf, "-e", os.path.join(cls.dir, "error.log")], ports,
            os.path.join(cls.tmp, "nginx.out"))

    @classmethod
    def config(cls):
        temp = os.path.join(cls.dir, "temp")
        lines = [
            "daemon off;",
            # One process, stopped by its PID (a master would leave a worker behind).
            "master_process off;",
            "pid %s;" % os.path.join(cls.dir, "nginx.pid"),
            "error_log %s warn;" % os.path.join(cls.dir, "error.log"),
            "events { worker_connections 512; }",
            "http {",
            # One line per request: the connection's serial number and the protocol it spoke.
            "  log_format conns '$connection $server_protocol $request_uri';",
            "  access_log %s conns;" % cls.access_log(),
            "  server_tokens off;",
            "  default_type text/html;",
            "  keepalive_requests 10000;",
            "  ssl_certificate %s;" % cls.cert("ip-chain.pem"),
            "  ssl_certificate_key %s;" % cls.cert("ip-key.pem"),
            "  ssl_protocols TLSv1.3;",
        ]
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append("  %s_temp_path %s;" % (kind, os.path.join(temp, kind)))
        for listen in ("127.0.0.1:%d ssl http2" % cls.tls_port, "[::1]:%d ssl http2" % cls.tls_port,
                       "127.0.0.1:%d http2" % cls.h2c_port, "[::1]:%d http2" % cls.h2c_port):
            lines += [
                "  server {",
                "    listen %s;" % listen,
                "    root %s;" % os.path.join(cls.dir, "www"),
                '    location = / { return 200 "%s"; }' % NGINX_BODY,
                "    location = /moved { return 301 /; }",
                '    location = /busy { add_header Retry-After 1 always; return 429 "busy"; }',
                "    location /big.bin { }",
                "  }",
            ]
        lines.append("}")
        return "\n".join(lines) + "\n"

    @classmethod
    def access_log(cls):
        return os.path.join(cls.dir, "access.log")

    def log_lines(self):
        with open(self.access_log()) as f:
            return [line.split() for line in f.read().splitlines() if line]

    def tls_url(self, host, path="/"):
        return "https://%s:%d%s" % (host, self.tls_port, path)

    def test_rows_over_tls_by_alpn_ipv4_and_ipv6(self):
        urls = [self.tls_url("127.0.0.1"), self.tls_url("[::1]"), self.tls_url("127.0.0.1", "/moved")]
        result = self.scan(urls, *self.ca())
        body = "<title>%s</title>" % H2_TITLE
        for line, host in ((1, "127.0.0.1"), (2, "[::1]")):
            self.assertExactRow(result.by_line[line], **self.h2_row(
                urls[line - 1], host, self.tls_port, line=line, server="nginx", content_type="text/html",
                content_length=len(body), body_bytes=len(body), title=H2_TITLE))
        self.assertExactRow(result.by_line[3], **self.h2_row(
            urls[2], "127.0.0.1", self.tls_port, line=3, status=301, server="nginx", content_type="text/html",
            location=self.tls_url("127.0.0.1", "/"), content_length=self.page_length(result.by_line[3]),
            body_bytes=self.page_length(result.by_line[3]), title="301 Moved Permanently"))

    def test_prior_knowledge_speaks_h2c_to_http_urls(self):
        urls = ["http://127.0.0.1:%d/" % self.h2c_port, "http://[::1]:%d/" % self.h2c_port]
        result = self.scan(urls, "--http2-prior-knowledge")
        body = "<title>%s</title>" % H2_TITLE
        for line, host in ((1, "127.0.0.1"), (2, "[::1]")):
            self.assertExactRow(result.by_line[line], **self.h2_row(
                urls[line - 1], host, self.h2c_port, line=line, tls=False, server="nginx",
                content_type="text/html", content_length=len(body), body_bytes=len(body), title=H2_TITLE))

    def test_one_host_shares_one_connection_over_h2(self):
        before = len(self.log_lines())
        urls = [self.tls_url("127.0.0.1", "/?n=%d" % i) for i in range(MANY)]
        result = self.scan(urls, "--per-host", "8", *self.ca())
        self.assertEqual(len(result.rows), MANY)
        for line in range(1, MANY + 1):
            self.assertRow(result.by_line[line], status=200, http_version="2", reason=None, error=None,
                           title=H2_TITLE)
        mine = self.log_lines()[before:]
        self.assertEqual(len(mine), MANY)
        self.assertEqual({proto for _, proto, _ in mine}, {"HTTP/2.0"})
        self.assertEqual(len({conn for conn, _, _ in mine}), 1, "connections used: %s" %
                         collections.Counter(conn for conn, _, _ in mine))

    def test_http11_keeps_alive_at_most_per_host_connections(self):
        before = len(self.log_lines())
        urls = [self.tls_url("127.0.0.1", "/?n=%d" % i) for i in range(MANY)]
        result = self.scan(urls, "--http1.1", "--per-host", "4", *self.ca())
        for line in range(1, MANY + 1):
            self.assertRow(result.by_line[line], status=200, http_version="1.1", reason="OK", error=None,
                           title="over HTTP/1.1")
        mine = self.log_lines()[before:]
        self.assertEqual({proto for _, proto, _ in mine}, {"HTTP/1.1"})
        connections = {conn for conn, _, _ in mine}
        self.assertGreaterEqual(len(connections), 1)
        self.assertLessEqual(len(connections), 4)

    def test_max_body_cancels_the_stream_and_the_connection_goes_on(self):
        before = len(self.log_lines())
        urls = [self.tls_url("127.0.0.1", "/big.bin?%d" % i) for i in range(4)] + [self.tls_url("127.0.0.1")]
        result = self.scan(urls, "--max-body", "1000", "--per-host", "1", *self.ca())
        for line in range(1, 5):
            self.assertRow(result.by_line[line], status=200, http_version="2", error=None, body_bytes=1000,
                           content_length=BIG_BYTES)
        self.assertRow(result.by_line[5], status=200, title=H2_TITLE, error=None)
        mine = self.log_lines()[before:]
        self.assertEqual(len({conn for conn, _, _ in mine}), 1)

    def test_redirect_head_and_retry_after_over_h2(self):
        moved = self.tls_url("127.0.0.1", "/moved")
        row = self.scan_one(moved, "--follow", "3", *self.ca())
        self.assertRow(row, status=200, redirects=1, final_url=self.tls_url("127.0.0.1", "/"),
                       http_version="2", title=H2_TITLE, error=None)
        row = self.scan_one(self.tls_url("127.0.0.1"), "-I", *self.ca())
        self.assertRow(row, status=200, http_version="2", body_bytes=0, title=None, error=None)
        # The 429's Retry-After holds the host's next request for a second, over HTTP/2 as over 1.1.
        result = self.scan([self.tls_url("127.0.0.1", "/busy"), self.tls_url("127.0.0.1")], "--per-host",
                           "1", *self.ca())
        self.assertRow(result.by_line[1], status=429, http_version="2", error=None)
        self.assertRow(result.by_line[2], status=200, error=None)
        self.assertGreaterEqual(result.elapsed, 0.9)

    def test_http11_flag_and_prior_knowledge_mismatch(self):
        row = self.scan_one(self.tls_url("[::1]"), "--http1.1", *self.ca())
        self.assertRow(row, status=200, http_version="1.1", reason="OK", title="over HTTP/1.1")
        # An h2c-only port spoken to in HTTP/1.1: nginx answers with bytes that are not HTTP/1.x.
        row = self.scan_one("http://127.0.0.1:%d/" % self.h2c_port)
        self.assertRow(row, status=None, error="bad_response")


class NghttpdTest(Http2Base):
    """nghttpd (nghttp2's server) as a second implementation: TLS with ALPN h2, and h2c."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if shutil.which("nghttpd") is None:
            raise RuntimeError("nghttpd not found (tools/install_deps.sh installs nghttp2-server)")
        cls.www = os.path.join(cls.tmp, "nghttpd-www")
        os.makedirs(cls.www, exist_ok=True)
        with open(os.path.join(cls.www, "index.html"), "w") as f:
            f.write("<html><title>nghttpd page</title></html>")
        v4, v6, cls.h2c_port = free_ports(3, LOOPBACKS)
        cls.tls_ports = {"127.0.0.1": v4, "::1": v6}
        for host, port in cls.tls_ports.items():
            cls.start_server(["nghttpd", "--address=" + host, "-d", cls.www, str(port), cls.cert("ip-key.pem"),
                              cls.cert("ip-chain.pem")], [(host, port)],
                             os.path.join(cls.tmp, "nghttpd-%d.out" % port))
        cls.start_server(["nghttpd", "--address=127.0.0.1", "--no-tls", "-d", cls.www, str(cls.h2c_port)],
                         [("127.0.0.1", cls.h2c_port)], os.path.join(cls.tmp, "nghttpd-h2c.out"))

    def test_rows_over_tls_ipv4_and_ipv6(self):
        urls = ["https://127.0.0.1:%d/index.html" % self.tls_ports["127.0.0.1"],
                "https://[::1]:%d/index.html" % self.tls_ports["::1"],
                "https://127.0.0.1:%d/missing" % self.tls_ports["127.0.0.1"]]
        result = self.scan(urls, *self.ca())
        page = len("<html><title>nghttpd page</title></html>")
        server = fixtures.Matches(r"nghttpd nghttp2/[0-9.]+")
        self.assertExactRow(result.by_line[1], **self.h2_row(
            urls[0], "127.0.0.1", self.tls_ports["127.0.0.1"], line=1, server=server, content_type="text/html",
            content_length=page, body_bytes=page, title="nghttpd page"))
        self.assertExactRow(result.by_line[2], **self.h2_row(
            urls[1], "[::1]", self.tls_ports["::1"], line=2, server=server, content_type="text/html",
            content_length=page, body_bytes=page, title="nghttpd page"))
        self.assertExactRow(result.by_line[3], **self.h2_row(
            urls[2], "127.0.0.1", self.tls_ports["127.0.0.1"], line=3, status=404, server=server,
            content_type="text/html; charset=UTF-8", content_length=self.page_length(result.by_line[3]),
            body_bytes=self.page_length(result.by_line[3]), title="404 Not Found"))

    def test_prior_knowledge_and_many_streams(self):
        urls = ["http://127.0.0.1:%d/index.html?%d" % (self.h2c_port, i) for i in range(MANY)]
        result = self.scan(urls, "--http2-prior-knowledge", "--per-host", "16")
        self.assertEqual(len(result.rows), MANY)
        for line in range(1, MANY + 1):
            self.assertRow(result.by_line[line], status=200, http_version="2", title="nghttpd page",
                           tls_version=None, error=None, attempts=1)
        # One connection: only the first row made one (connect_ms); the others were streams on it.
        self.assertEqual(sum(1 for r in result.rows if r.get("connect_ms") is not None), 1)


# Raw HTTP/2 frames (RFC 9113 section 4.1) for the misbehaving server below.
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY = 0, 1, 3, 4, 7
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
STATUS_200 = b"\x88"  # HPACK: indexed field 8 of the static table, ":status: 200"


def _frame(kind, flags, stream, payload=b""):
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


class RawH2Server:
    """A loopback h2c server (prior knowledge) that answers every request with one fixed misbehaviour,
    written frame by frame: what real servers rarely do on purpose, and what urlsweep must still turn
    into exactly one row per URL. Runs in threads of the test process; closed by the test."""

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stopped = True
        self.sock.close()

    def _accept(self):
        while not self.stopped:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    @staticmethod
    def _read(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def _serve(self, conn, number):
        conn.settimeout(10)
        try:
            self._read(conn, 24)  # the client preface
            if self.behaviour == "garbage":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                time.sleep(0.2)
                return
            conn.sendall(_frame(SETTINGS, 0, 0))
            while True:
                head = self._read(conn, 9)
                length, kind, flags = int.from_bytes(head[:3], "big"), head[3], head[4]
                stream = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
                self._read(conn, length)
                if kind == SETTINGS and not flags & ACK:
                    conn.sendall(_frame(SETTINGS, ACK, 0))
                elif kind == HEADERS:
                    if not self._answer(conn, stream, number):
                        return
        except (EOFError, OSError):
            pass
        finally:
            # A clean close: what the client still sends is read first, so the kernel sends FIN, not
            # RST (closing with unread bytes resets the connection).
            try:
                conn.shutdown(socket.SHUT_WR)
                while conn.recv(4096):
                    pass
            except OSError:
                pass
            conn.close()

    def _answer(self, conn, stream, number):
        """Answers the request on `stream`; False closes the connection."""
        if self.behaviour == "drop":  # a head and part of a body, then the connection is gone
            conn.sendall(_frame(HEADERS, END_HEADERS, stream, STATUS_200) + _frame(DATA, 0, stream, b"partial"))
            time.sleep(0.1)
            return False
        if self.behaviour == "reset":
            conn.sendall(_frame(RST_STREAM, 0, stream, (2).to_bytes(4, "big")))  # INTERNAL_ERROR
            return True
        if self.behaviour == "calm":  # GOAWAY ENHANCE_YOUR_CALM covering the stream, then the close
            conn.sendall(_frame(GOAWAY, 0, 0, stream.to_bytes(4, "big") + (11).to_bytes(4, "big")))
            time.sleep(0.1)
            return False
        if self.behaviour == "goaway_first" and number == 1:  # nothing processed on the first connection
            conn.sendall(_frame(GOAWAY, 0, 0, (0).to_bytes(4, "big") + (0).to_bytes(4, "big")))
            time.sleep(0.1)
            return False
        conn.sendall(_frame(HEADERS, END_HEADERS | END_STREAM, stream, STATUS_200))
        return True


class RawH2Test(fixtures.FixtureTestCase):
    """What a stream's end says in its row: a dropped connection, a reset, a GOAWAY with an error, a
    GOAWAY that processed nothing, bytes that are not HTTP/2."""

    def serve(self, behaviour):
        server = RawH2Server(behaviour)
        self.addCleanup(server.close)
        return server, "http://127.0.0.1:%d/" % server.port

    def test_connection_dropped_mid_body_is_read_reset_with_the_head(self):
        server, url = self.serve("drop")
        row = self.scan_one(url, "--http2-prior-knowledge", "--retries", "0")
        self.assertExactRow(row, url=url, final_url=url, host="127.0.0.1", ip="127.0.0.1", port=server.port,
                            status=200, http_version="2", error="read_reset",
                            error_detail="connection closed before the response was complete", redirects=0,
                            body_bytes=7, attempts=1, line=1)

    def test_every_open_stream_gets_its_row_when_the_connection_drops(self):
        _, url = self.serve("drop")
        urls = [url + "?%d" % i for i in range(6)]
        result = self.scan(urls, "--http2-prior-knowledge", "--per-host", "6")
        self.assertEqual(sorted(result.by_line), list(range(1, 7)))
        for line in range(1, 7):
            self.assertRow(result.by_line[line], error="read_reset")

    def test_stream_reset_is_read_reset_named_and_retried(self):
        _, url = self.serve("reset")
        row = self.scan_one(url, "--http2-prior-knowledge")
        self.assertRow(row, status=None, error="read_reset", error_detail="INTERNAL_ERROR", attempts=2)

    def test_goaway_with_an_error_is_bad_response_named(self):
        _, url = self.serve("calm")
        row = self.scan_one(url, "--http2-prior-knowledge")
        self.assertRow(row, status=None, error="bad_response", error_detail="ENHANCE_YOUR_CALM", attempts=1)

    def test_streams_a_goaway_did_not_process_go_to_a_new_connection(self):
        server, url = self.serve("goaway_first")
        result = self.scan([url + "?%d" % i for i in range(3)], "--http2-prior-knowledge", "--per-host", "3")
        for line in range(1, 4):
            self.assertRow(result.by_line[line], status=200, http_version="2", error=None, attempts=1)
        self.assertEqual(server.connections, 2)

    def test_bytes_that_are_not_http2_are_a_protocol_error(self):
        _, url = self.serve("garbage")
        row = self.scan_one(url, "--http2-prior-knowledge")
        self.assertRow(row, status=None, error="bad_response", error_detail="PROTOCOL_ERROR")


class FixtureH2Test(fixtures.FixtureTestCase):
    """The fixture server's HTTP/2 misbehaviours (tools/README.md, "HTTP/2"): what each stream's row says."""

    def pk(self, key, path, *args):
        """One URL of listener `key` (ALPN h2 over TLS, or h2c with prior knowledge) and its row."""
        extra = ["--ca-file", self.cert("ca.pem")] if key.startswith("h2_") or key == "h2" else \
            ["--http2-prior-knowledge"]
        return self.scan_one(self.h2_url(key, path), *extra, *args)

    def test_ordinary_answer_over_h2_and_h2c(self):
        for key in ("h2", "h2c", "h2_v6", "h2c_v6"):
            with self.subTest(key=key):
                self.assertRow(self.pk(key, "/"), status=200, http_version="2", reason=None, error=None,
                               title=fixtures.DEFAULT_TITLE, server=fixtures.SERVER)

    def test_rst_stream_before_the_head_and_mid_body(self):
        self.assertRow(self.pk("h2c", "/h2/rst/internal_error"), status=None, error="read_reset",
                       error_detail="INTERNAL_ERROR", attempts=2)
        self.assertRow(self.pk("h2", "/h2/rst-body/protocol_error", "--retries", "0"), status=200,
                       http_version="2", error="read_reset", error_detail="PROTOCOL_ERROR", body_bytes=1000)
        # REFUSED_STREAM: sent again without counting, then (always refused) the reset's name.
        self.assertRow(self.pk("h2c", "/h2/rst/refused_stream", "--retries", "0"), error="read_reset",
                       error_detail="REFUSED_STREAM", attempts=1)

    def test_goaway_with_an_error_mid_body_is_bad_response(self):
        self.assertRow(self.pk("h2", "/h2/goaway/internal_error"), status=200, http_version="2",
                       error="bad_response", error_detail="INTERNAL_ERROR", body_bytes=1000)

    def test_streams_after_a_graceful_goaway_are_sent_again(self):
        urls = [self.h2_url("h2c", "/h2/goaway")] + [self.h2_url("h2c", "/delay/100?%d" % i) for i in range(4)]
        result = self.scan(urls, "--http2-prior-knowledge", "--per-host", "5")
        self.assertRow(result.by_line[1], status=200, error=None, body_bytes=2000, attempts=1)
        for line in range(2, 6):
            self.assertRow(result.by_line[line], status=200, error=None, attempts=1)

    def test_huge_header_block_is_bad_response(self):
        self.assertRow(self.pk("h2c", "/h2/huge-headers"), status=None, error="bad_response",
                       error_detail="response header list larger than 65536 bytes")

    def test_no_settings_and_garbage_are_protocol_errors(self):
        for key in ("h2_nosettings", "h2c_nosettings", "h2_garbage", "h2c_garbage"):
            with self.subTest(key=key):
                self.assertRow(self.pk(key, "/"), status=None, error="bad_response",
                               error_detail="PROTOCOL_ERROR")

    def test_silence_and_a_stalled_stream_are_read_timeouts(self):
        self.assertRow(self.pk("h2_silent", "/", "--read-timeout", "1", "--retries", "0"), status=None,
                       error="read_timeout")
        self.assertRow(self.pk("h2c", "/h2/stall", "--read-timeout", "1"), status=200, error="read_timeout",
                       body_bytes=1000)

    def test_server_stream_limit_is_respected(self):
        urls = [self.h2_url("h2c_maxstreams2", "/delay/100?%d" % i) for i in range(8)]
        result = self.scan(urls, "--http2-prior-knowledge", "--per-host", "8")
        for line in range(1, 9):
            self.assertRow(result.by_line[line], status=200, error=None)


if __name__ == "__main__":
    fixtures.main()
