"""Debian's nginx as the benchmark's origin, with its own configuration, PID file, logs and temporary
folders in the harness's work folder.

One port on 127.0.0.1 and on every fixture address (127.0.1.0 .. 127.0.4.255, where h<N>.test point),
answering every path with `return 200` and a small titled page; optionally a second port with TLS on
the same addresses. One worker process: the machine has 2 cores, one for the server and one for the
client under test.
"""

import os

from dns_server import range_addresses
from server_process import ServerProcess, can_connect, free_port

# The page every request gets: as small as the fixture's (89 bytes), with a title for urlsweep to find.
PAGE = "<!doctype html><html><head><title>bench</title></head><body>ok</body></html>\n"
# Connections the one worker may hold: S3 holds 10,000 client connections at once; headroom for
# connections closing while new ones open.
WORKER_CONNECTIONS = 30000
# Listen backlog: connection bursts of a whole -c at once must not overflow it (net.core.somaxconn
# caps it; 4096 on Debian).
BACKLOG = 4096
# Keep-alive, explicit rather than nginx's defaults: keep connections as long as any client could
# want them, and never close one after a number of requests (1.22's default is 1000), so S2 measures
# pure reuse.
KEEPALIVE_TIMEOUT_S = 60
KEEPALIVE_REQUESTS = 10000000
# nginx's shared TLS session cache on the resumable port: about 4,000 sessions per MiB (nginx docs),
# more than S4's names.
SESSION_CACHE_SIZE = "10m"
# Attempts at finding a port free on every address (another process may hold it on one).
PORT_ATTEMPTS = 5


class NginxServer:
    def __init__(self, workdir, cert=None, key=None):
        self.dir = os.path.join(workdir, "nginx")
        self.cert = cert
        self.key = key
        self.port = None
        self.tls_port = None         # TLS, session cache and tickets off: every handshake a full one
        self.tls_resume_port = None  # TLS with nginx's resumption on: a shared cache and tickets
        self.server = ServerProcess("nginx", os.path.join(self.dir, "nginx.out"))

    def _config(self):
        temp = os.path.join(self.dir, "temp")
        addresses = ["127.0.0.1"] + range_addresses()
        lines = [
            "daemon off;",
            "master_process on;",
            "worker_processes 1;",
            "worker_rlimit_nofile %d;" % (WORKER_CONNECTIONS + 1024),
            "pid %s;" % os.path.join(self.dir, "nginx.pid"),
            "error_log %s warn;" % os.path.join(self.dir, "error.log"),
            "events { worker_connections %d; use epoll; multi_accept on; }" % WORKER_CONNECTIONS,
            "http {",
            "  access_log off;",
            "  default_type text/html;",
            "  tcp_nodelay on;",
            "  keepalive_timeout %ds;" % KEEPALIVE_TIMEOUT_S,
            "  keepalive_requests %d;" % KEEPALIVE_REQUESTS,
        ]
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            lines.append("  %s_temp_path %s;" % (kind, os.path.join(temp, kind)))
        lines.append("  server {")
        lines += ["    listen %s:%d backlog=%d;" % (a, self.port, BACKLOG) for a in addresses]
        lines.append('    location / { return 200 "%s"; }' % PAGE.replace("\n", "\\n"))
        lines.append("  }")
        if self.cert:
            # tls_port: every connection a full handshake, for every client alike (S4 measures
            # handshakes); tls_resume_port: the same with resumption, for S4's resumption rows.
            for port, resumption in ((self.tls_port, False), (self.tls_resume_port, True)):
                lines.append("  server {")
                lines += ["    listen %s:%d ssl backlog=%d;" % (a, port, BACKLOG) for a in addresses]
                lines += [
                    "    ssl_certificate %s;" % self.cert,
                    "    ssl_certificate_key %s;" % self.key,
                    "    ssl_protocols TLSv1.2 TLSv1.3;",
                ]
                if resumption:
                    lines += ["    ssl_session_cache shared:bench:%s;" % SESSION_CACHE_SIZE,
                              "    ssl_session_tickets on;"]
                else:
                    lines += ["    ssl_session_cache off;", "    ssl_session_tickets off;"]
                lines += ['    location / { return 200 "%s"; }' % PAGE.replace("\n", "\\n"), "  }"]
        lines.append("}")
        return "\n".join(lines) + "\n"

    def start(self):
        os.makedirs(os.path.join(self.dir, "temp"), exist_ok=True)
        conf = os.path.join(self.dir, "nginx.conf")
        for _ in range(PORT_ATTEMPTS):
            self.port = free_port()
            self.tls_port = free_port() if self.cert else None
            self.tls_resume_port = free_port() if self.cert else None
            ports = [self.port] + ([self.tls_port, self.tls_resume_port] if self.cert else [])
            if len(set(ports)) != len(ports):
                continue
            with open(conf, "w") as f:
                f.write(self._config())
            self.server.spawn(["nginx", "-p", self.dir, "-c", conf, "-e",
                               os.path.join(self.dir, "error.log")])
            try:
                self.server.wait_until(
                    lambda: all(can_connect(a, p) for a in ("127.0.0.1", "127.0.4.255") for p in ports),
                    "listening sockets")
                return self
            except RuntimeError:
                if self.server.running():
                    self.server.stop()
                    raise
        raise RuntimeError("nginx did not start:\n" + self.server.log_tail() + self._error_log())

    def _error_log(self):
        try:
            with open(os.path.join(self.dir, "error.log"), errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def stop(self):
        self.server.stop()
