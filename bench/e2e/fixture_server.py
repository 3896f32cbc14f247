"""tools/fixture_server on 127.0.0.1 and every fixture address, one port, for the latency-bound
scenarios: nginx cannot delay a response, the fixture answers /delay/<ms>. S3 uses its plain HTTP port;
S7 its HTTPS port (started when the harness gives a certificate and key)."""

import http.client
import os

from dns_server import RANGE_SPEC
from server_process import ServerProcess


class FixtureServer:
    def __init__(self, workdir, binary, threads=1, tls_cert=None, tls_key=None, tls_options=""):
        self.dir = workdir
        self.binary = binary
        self.threads = threads
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.tls_options = tls_options  # --tls-listen options (tools/README.md), e.g. "noresume"
        self.port = None
        self.tls_port = None  # HTTPS on 127.0.0.1, when tls_cert and tls_key are given
        self.server = ServerProcess("fixture_server", os.path.join(workdir, "fixture_server.out"))

    def start(self):
        ready = os.path.join(self.dir, "fixture_server.ready")
        argv = [self.binary, "--listen", "127.0.0.1:0", "--listen-range", RANGE_SPEC + ":0",
                "--threads", self.threads, "--ready-file", ready]
        if self.tls_cert and self.tls_key:
            spec = "127.0.0.1:0:%s:%s" % (self.tls_cert, self.tls_key)
            argv += ["--tls-listen", spec + (":" + self.tls_options if self.tls_options else "")]
        self.server.spawn(argv)
        self.server.wait_until(lambda: os.path.exists(ready), "ready file")
        with open(ready) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0] == "127.0.0.1":
                    self.port = int(parts[1])
                elif len(parts) == 4 and parts[2] == "tls":
                    self.tls_port = int(parts[1])
        if self.port is None:
            raise RuntimeError("fixture_server's ready file names no 127.0.0.1 port")
        return self

    def stats(self, reset=False):
        """What the fixture saw (tools/README.md, /stats): {'requests', 'in_flight', 'max_in_flight'}.
        With reset, the counters are cleared first (maxima restart from what is in flight)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("GET", "/stats-reset" if reset else "/stats")
            body = conn.getresponse().read().decode()
        finally:
            conn.close()
        values = dict(line.split(" ", 1) for line in body.splitlines() if " " in line)
        return {key: int(values[key]) for key in ("requests", "in_flight", "max_in_flight")}

    def stop(self):
        self.server.stop()
