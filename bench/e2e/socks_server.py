"""microsocks, the SOCKS5 proxy of scenario S8, on 127.0.0.1, started and stopped by its PID. It
resolves names with the system resolver, so S8's URLs hold IP literals only."""

import os
import shutil

from server_process import ServerProcess, can_connect, free_port


def microsocks_available():
    return shutil.which("microsocks") is not None


class SocksServer(ServerProcess):
    def __init__(self, workdir):
        super().__init__("microsocks", os.path.join(workdir, "microsocks.log"))
        self.port = None

    def start(self):
        self.port = free_port()
        self.spawn(["microsocks", "-i", "127.0.0.1", "-p", self.port])
        self.wait_until(lambda: can_connect("127.0.0.1", self.port), "listening socket")
        return self

    def url(self, scheme="socks5h"):
        return "%s://127.0.0.1:%d" % (scheme, self.port)
