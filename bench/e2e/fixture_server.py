"""tools/fixture_server on 127.0.0.1 and every fixture address, one port, for the latency-bound
scenario (S3): nginx cannot delay a response, the fixture answers /delay/<ms>."""

import os

from dns_server import RANGE_SPEC
from server_process import ServerProcess


class FixtureServer:
    def __init__(self, workdir, binary, threads=1):
        self.dir = workdir
        self.binary = binary
        self.threads = threads
        self.port = None
        self.server = ServerProcess("fixture_server", os.path.join(workdir, "fixture_server.out"))

    def start(self):
        ready = os.path.join(self.dir, "fixture_server.ready")
        self.server.spawn([self.binary, "--listen", "127.0.0.1:0", "--listen-range", RANGE_SPEC + ":0",
                           "--threads", self.threads, "--ready-file", ready])
        self.server.wait_until(lambda: os.path.exists(ready), "ready file")
        with open(ready) as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2 and parts[0] == "127.0.0.1":
                    self.port = int(parts[1])
        if self.port is None:
            raise RuntimeError("fixture_server's ready file names no 127.0.0.1 port")
        return self

    def stop(self):
        self.server.stop()
