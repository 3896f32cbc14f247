#!/usr/bin/env python3
"""Real HTTP/2 servers on loopback for tests and benchmarks: nginx (http2 over TLS and with prior
knowledge) and nghttpd (nghttp2's own server, TLS or --no-tls). Each instance has its own
configuration, PID file, logs and documents in one folder, listens on 127.0.0.1 and ::1 only, is
started and stopped by its PID and dies with its parent. Each one's log records which connection
served every request, so a test can count the connections a client used.

    stack = NginxH2(workdir, cert, key).start()
    stack.url("/", tls=True)                 # https://127.0.0.1:PORT/
    stack.url("/", tls=False, v6=True)       # http://[::1]:PORT/ (h2c, prior knowledge)
    stack.requests()                         # [Request(connection, connection_requests, port, ...)]
    stack.connections(port=stack.tls_port)   # distinct connections that carried a request
    stack.stop()

    server = Nghttpd(workdir, cert, key, address="::1").start()   # cert=None: --no-tls
    server.url("/"); server.requests(); server.connections(); server.stop()

tools/README.md documents the paths each serves. Module only (no command line).
"""

import collections
import os
import re
import subprocess
import sys

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)
from process_util import die_with_parent, free_port, free_ports, stop_process, tail  # noqa: E402
from process_util import wait_listening  # noqa: E402

# How long a server may take to listen: both start in milliseconds, but the machine may be loaded.
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
# Attempts at starting on free ports (another process may take a port between our pick and the bind).
PORT_ATTEMPTS = 5
# SETTINGS_MAX_CONCURRENT_STREAMS of both servers unless the caller asks otherwise: nginx's default.
DEFAULT_MAX_STREAMS = 128
# The page `/` and every unlisted path answer (nginx), and nghttpd's index.html: small, with a title.
PAGE = "<!doctype html><html><head><title>h2 peer</title></head><body>ok</body></html>\n"
PAGE_TITLE = "h2 peer"
ADDRESSES = ("127.0.0.1", "::1")

# One request as the server logged it. connection: the server's number for the connection (nginx's
# $connection, nghttpd's session id); connection_requests: its position on that connection (nginx
# only; 0 for nghttpd); port: the listening port (nginx only; the one port for nghttpd); status: the
# response status (nginx only; 0 for nghttpd); protocol: "HTTP/2.0" or "HTTP/1.1" (nghttpd: HTTP/2.0).
Request = collections.namedtuple("Request", "connection connection_requests port status protocol path")


def _host(address):
    return "[%s]" % address if ":" in address else address


class _Server:
    """A child process with its log in `dir`, ready when every (address, port) accepts."""

    def __init__(self, directory, role):
        self.dir = directory
        self.role = role
        self.proc = None
        self.out = os.path.join(directory, role + ".out")

    def _spawn(self, argv, endpoints):
        os.makedirs(self.dir, exist_ok=True)
        log = open(self.out, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                     close_fds=True, preexec_fn=die_with_parent)
        log.close()
        failure = wait_listening(self.proc, endpoints, READY_TIMEOUT_S)
        if failure == "timed out":
            self.stop()
            raise RuntimeError("%s not listening after %.0f s" % (self.role, READY_TIMEOUT_S))
        return failure is None

    def stop(self):
        """Stops the server by its PID (SIGTERM, SIGKILL after a while). Safe to call twice."""
        stop_process(self.proc, STOP_TIMEOUT_S)

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def connections(self, **match):
        """How many distinct connections carried a request (requests() filtered by `match`, e.g.
        port=..., protocol="HTTP/2.0")."""
        return len({r.connection for r in self.requests()
                    if all(getattr(r, k) == v for k, v in match.items())})


class NginxH2(_Server):
    """nginx with, on 127.0.0.1 and ::1: `tls_port` (TLS, ALPN h2 and http/1.1), `h2c_port` (HTTP/2
    with prior knowledge only: `listen ... http2` without ssl) and `http1_port` (plain HTTP/1.1).

    Paths: `/` and anything unlisted: 200 with PAGE; `/status/<ddd>` for 200, 204, 301, 302, 404,
    500, 503 (302 and 301 with `Location: /`); `/redirect`: 302 to `/`. `max_streams`:
    http2_max_concurrent_streams. One worker process (the machine has 2 cores)."""

    STATUSES = (200, 204, 301, 302, 404, 500, 503)

    def __init__(self, workdir, cert, key, max_streams=DEFAULT_MAX_STREAMS, worker_connections=20000):
        super().__init__(os.path.join(os.path.abspath(workdir), "nginx-h2"), "nginx")
        self.cert = os.path.abspath(cert)
        self.key = os.path.abspath(key)
        self.max_streams = max_streams
        self.worker_connections = worker_connections
        self.tls_port = self.h2c_port = self.http1_port = None
        self.access_log = os.path.join(self.dir, "access.log")
        self.error_log = os.path.join(self.dir, "error.log")

    def url(self, path="/", tls=True, v6=False, http1=False):
        address = ADDRESSES[1] if v6 else ADDRESSES[0]
        if http1:
            return "http://%s:%d%s" % (_host(address), self.http1_port, path)
        return "%s://%s:%d%s" % ("https" if tls else "http", _host(address),
                                 self.tls_port if tls else self.h2c_port, path)

    def _config(self):
        page = PAGE.replace("\n", "\\n")
        lines = [
            "daemon off;",
            "master_process on;",
            "worker_processes 1;",
            "worker_rlimit_nofile %d;" % (self.worker_connections + 1024),
            "pid %s;" % os.path.join(self.dir, "nginx.pid"),
            "error_log %s warn;" % self.error_log,
            "events { worker_connections %d; use epoll; multi_accept on; }" % self.worker_connections,
            "http {",
            # $connection: nginx's serial number of the connection; $connection_requests: the
            # request's number on it.
            "  log_format h2peer '$connection $connection_requests $server_port $status "
            "$server_protocol $uri';",
            "  access_log %s h2peer;" % self.access_log,
            "  default_type text/html;",
            "  keepalive_timeout 60s;",
            "  keepalive_requests 10000000;",
            "  http2_max_concurrent_streams %d;" % self.max_streams,
            # nginx 1.22 closes an HTTP/2 connection after 1000 requests unless told otherwise.
            "  http2_max_requests 10000000;",
        ]
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append("  %s_temp_path %s;" % (kind, os.path.join(self.dir, "temp", kind)))
        lines.append("  server {")
        for address in ADDRESSES:
            host = _host(address)
            lines += ["    listen %s:%d ssl http2 backlog=4096;" % (host, self.tls_port),
                      "    listen %s:%d http2 backlog=4096;" % (host, self.h2c_port),
                      "    listen %s:%d backlog=4096;" % (host, self.http1_port)]
        lines += ["    ssl_certificate %s;" % self.cert,
                  "    ssl_certificate_key %s;" % self.key,
                  "    ssl_protocols TLSv1.2 TLSv1.3;",
                  '    location / { return 200 "%s"; }' % page,
                  "    location = /redirect { return 302 /; }"]
        for status in self.STATUSES:
            body = ' "%s"' % page if status not in (204, 301, 302) else (" /" if status in (301, 302) else "")
            lines.append("    location = /status/%d { return %d%s; }" % (status, status, body))
        lines += ["  }", "}"]
        return "\n".join(lines) + "\n"

    def start(self):
        os.makedirs(os.path.join(self.dir, "temp"), exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        for _ in range(PORT_ATTEMPTS):
            self.tls_port, self.h2c_port, self.http1_port = free_ports(3, ADDRESSES)
            with open(conf, "w") as f:
                f.write(self._config())
            endpoints = [(a, p) for a in ADDRESSES for p in (self.tls_port, self.h2c_port, self.http1_port)]
            if self._spawn(["nginx", "-p", self.dir, "-c", conf, "-e", self.error_log], endpoints):
                return self
        raise RuntimeError("nginx did not start:\n" + tail(self.out) + tail(self.error_log))

    def requests(self):
        """Every request in the access log so far (nginx writes each as it ends)."""
        out = []
        try:
            with open(self.access_log, errors="replace") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 6:
                        out.append(Request(int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]),
                                           parts[4], parts[5]))
        except FileNotFoundError:
            pass
        return out


class Nghttpd(_Server):
    """nghttpd on one address (127.0.0.1 or ::1): TLS with `cert`/`key` (ALPN h2 only), or HTTP/2 with
    prior knowledge when cert is None (--no-tls). Serves `htdocs` (default: index.html = PAGE and
    `big.bin`, 1 MiB); other paths 404. `max_streams`: its SETTINGS_MAX_CONCURRENT_STREAMS. Runs
    verbose (-v): every frame goes to its log, tagged with the session (connection) id."""

    # The line of nghttpd -v naming a request's path: "[id=3] [  0.512] recv (stream_id=13) :path: /".
    _PATH = re.compile(r"^\[id=(\d+)\] \[\s*[\d.]+\] recv \(stream_id=\d+\) :path: (\S+)")

    def __init__(self, workdir, cert=None, key=None, address="127.0.0.1", max_streams=DEFAULT_MAX_STREAMS,
                 htdocs=None):
        name = "nghttpd-%s-%s" % ("tls" if cert else "h2c", "v6" if ":" in address else "v4")
        super().__init__(os.path.join(os.path.abspath(workdir), name), "nghttpd")
        self.cert = os.path.abspath(cert) if cert else None
        self.key = os.path.abspath(key) if key else None
        self.address = address
        self.max_streams = max_streams
        self.htdocs = htdocs or os.path.join(self.dir, "htdocs")
        self.port = None

    def url(self, path="/"):
        return "%s://%s:%d%s" % ("https" if self.cert else "http", _host(self.address), self.port, path)

    def start(self):
        if not os.path.isdir(self.htdocs):
            os.makedirs(self.htdocs)
            with open(os.path.join(self.htdocs, "index.html"), "w") as f:
                f.write(PAGE)
            with open(os.path.join(self.htdocs, "big.bin"), "wb") as f:
                f.write(b"x" * (1 << 20))
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port(self.address)
            argv = ["nghttpd", "-v", "-a", self.address, "-d", self.htdocs, "-m", str(self.max_streams)]
            argv += [str(self.port), self.key, self.cert] if self.cert else ["--no-tls", str(self.port)]
            if self._spawn(argv, [(self.address, self.port)]):
                return self
        raise RuntimeError("nghttpd did not start:\n" + tail(self.out))

    def requests(self):
        """Every request nghttpd received so far, from its -v log (HEADERS frames it received)."""
        out = []
        try:
            with open(self.out, errors="replace") as f:
                for line in f:
                    m = self._PATH.match(line)
                    if m:
                        out.append(Request(int(m.group(1)), 0, self.port, 0, "HTTP/2.0", m.group(2)))
        except FileNotFoundError:
            pass
        return out
