"""A server the harness starts (nginx, dnsmasq, fixture_server) and stops again by its PID.

Servers get PR_SET_PDEATHSIG, so they end with the harness even when it is killed; stop() is safe to
call twice and after a failed start.
"""

import ctypes
import signal
import socket
import subprocess
import time

# How long a server may take to exit after SIGTERM before it gets SIGKILL.
STOP_TIMEOUT_S = 5.0
# How long a server may take to become ready: all start in well under a second, but the machine is
# shared and may be loaded.
READY_TIMEOUT_S = 30.0
# Poll interval while waiting for readiness.
READY_POLL_S = 0.05

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ServerProcess:
    def __init__(self, name, log_path):
        self.name = name
        self.log_path = log_path
        self.proc = None

    def spawn(self, argv):
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(a) for a in argv], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log, close_fds=True,
                                         preexec_fn=_die_with_parent)
        return self.proc

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_until(self, ready, what):
        """Polls ready() until it is true; fails when the server exits or the time is up."""
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not ready():
            if not self.running():
                raise RuntimeError("%s exited before %s:\n%s" % (self.name, what, self.log_tail()))
            if time.monotonic() > deadline:
                raise RuntimeError("%s: no %s after %.0f s:\n%s" % (
                    self.name, what, READY_TIMEOUT_S, self.log_tail()))
            time.sleep(READY_POLL_S)

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, limit=2000):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-limit:]
        except OSError:
            return ""


def free_port(udp_too=False):
    """A TCP port (and, with udp_too, the same UDP port) free on 127.0.0.1 right now."""
    for _ in range(64):
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            if not udp_too:
                return port
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                udp.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
            finally:
                udp.close()
        finally:
            tcp.close()
    raise RuntimeError("no free port on 127.0.0.1")


def can_connect(address, port, timeout_s=0.2):
    try:
        with socket.create_connection((address, port), timeout=timeout_s):
            return True
    except OSError:
        return False
