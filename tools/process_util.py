"""Child processes of the loopback fixtures, proxies, Slurm cluster and tests: what every one of them
needs to start and stop its daemons the same way.

- die_with_parent(): a preexec_fn (prctl(2) PR_SET_PDEATHSIG) so that a daemon ends with the process that
  started it, even when that one is killed (ctest's timeout): no daemon outlives its test.
- tail(path): the end of a daemon's log, for an error message.
- stop_process(proc, timeout_s): SIGTERM, then SIGKILL after timeout_s, always reaped.
- free_port(address), free_ports(count, addresses): TCP ports free right now, for a server to start on.
- listening(port, address): whether something accepts TCP connections there.
- wait_listening(proc, endpoints, timeout_s): waits until a just started server accepts on each of its
  (address, port), or ends, or the time is up.
"""

import ctypes
import signal
import socket
import subprocess
import time

PR_SET_PDEATHSIG = 1


def die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def tail(path, limit=2000):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-limit:]
    except OSError:
        return ""


def stop_process(proc, timeout_s):
    """Stops a child started by this process by its PID; nothing happens if it already ended."""
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


# Attempts at finding a port free on several addresses at once (each attempt picks one the kernel
# offers on the first address and tries it on the others).
FREE_PORT_ATTEMPTS = 50
# How often wait_listening tries to connect.
POLL_S = 0.05


def _family(address):
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def free_port(address="127.0.0.1"):
    """A TCP port free on `address` (127.0.0.1 or ::1) right now, for a server this process is about to
    start."""
    with socket.socket(_family(address), socket.SOCK_STREAM) as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def free_ports(count, addresses=("127.0.0.1",)):
    """`count` distinct TCP ports, each free on every one of `addresses` right now (ascending), for a
    server that listens on all of them."""
    ports = set()
    for _ in range(FREE_PORT_ATTEMPTS * count):
        port = free_port(addresses[0])
        try:
            for address in addresses[1:]:
                with socket.socket(_family(address), socket.SOCK_STREAM) as s:
                    s.bind((address, port))
        except OSError:
            continue
        ports.add(port)
        if len(ports) == count:
            return sorted(ports)
    raise RuntimeError("no %d ports free on all of %s" % (count, ", ".join(addresses)))


def listening(port, address="127.0.0.1"):
    """Whether something accepts TCP connections on `address`:`port`."""
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_listening(proc, endpoints, timeout_s):
    """Waits until every (address, port) of `endpoints` accepts connections. Returns None then, "exited"
    when `proc` ended first, "timed out" after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not all(listening(port, address) for address, port in endpoints):
        if proc.poll() is not None:
            return "exited"
        if time.monotonic() > deadline:
            return "timed out"
        time.sleep(POLL_S)
    return None
