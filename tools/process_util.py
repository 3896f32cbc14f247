"""Child processes of the loopback fixtures, proxies, Slurm cluster and tests: what every one of them
needs to start and stop its daemons the same way.

- die_with_parent(): a preexec_fn (prctl(2) PR_SET_PDEATHSIG) so that a daemon ends with the process that
  started it, even when that one is killed (ctest's timeout): no daemon outlives its test.
- tail(path): the end of a daemon's log, for an error message.
- stop_process(proc, timeout_s): SIGTERM, then SIGKILL after timeout_s, always reaped.
"""

import ctypes
import signal
import socket
import subprocess

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


def free_port():
    """A TCP port free on 127.0.0.1 right now, for a server this process is about to start."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port):
    """Whether something accepts TCP connections on 127.0.0.1:`port`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
