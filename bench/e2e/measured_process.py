"""Runs one client process bounded in time and measures what it cost: wall time, its own CPU time
(user + sys from wait4's rusage, so the servers on the same machine are not counted) and its peak
resident set.

The peak resident set is VmHWM from /proc, sampled at every poll, not wait4's ru_maxrss: Linux carries
the RSS of the memory image a process had before exec into ru_maxrss, and Python starts children with
vfork, whose image is the harness's own (about 16 MiB), so every client would show at least that.
VmHWM belongs to the image after exec and never decreases, so the last sample before exit is the peak.

The process is waited for with wait4(WNOHANG) polls rather than a blocking wait, so the harness can
sample /proc while it runs and stop it at its deadline by its PID before anything has reaped it (no
reused PID is ever signalled).
"""

import os
import signal
import subprocess
import time

# Poll interval while a client runs: fine enough that wall times of a second or more are exact to
# within 1%, coarse enough that the harness itself costs next to nothing on a 2-core machine.
POLL_S = 0.005
# How long a client gets to exit after SIGTERM at its deadline before it gets SIGKILL.
KILL_GRACE_S = 5.0


class MeasuredProcess:
    """One run of argv. After wait(): wall_s, user_s, sys_s, maxrss_kib, returncode, timed_out."""

    def __init__(self, argv, stdout_path, stderr_path, stdin=subprocess.DEVNULL, env=None):
        self.argv = [str(a) for a in argv]
        self.stdout_path = stdout_path
        self.stderr_path = stderr_path
        self._stdin = stdin
        self._env = env
        self.proc = None
        self.started = None
        self.wall_s = None
        self.user_s = None
        self.sys_s = None
        self.maxrss_kib = None  # VmHWM, see the module comment
        self.returncode = None
        self.timed_out = False

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.started = time.monotonic()
            self.proc = subprocess.Popen(self.argv, stdin=self._stdin, stdout=out, stderr=err,
                                         env=self._env, close_fds=True)
        return self

    def poll(self):
        """True once the process has exited (and been reaped here)."""
        if self.returncode is not None:
            return True
        hwm = vm_hwm_kib(self.proc.pid)
        if hwm is not None:
            self.maxrss_kib = max(self.maxrss_kib or 0, hwm)
        pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
        if pid == 0:
            return False
        self._reaped(status, usage)
        return True

    def _reaped(self, status, usage):
        self.wall_s = time.monotonic() - self.started
        self.user_s = usage.ru_utime
        self.sys_s = usage.ru_stime
        if self.maxrss_kib is None:  # exited before the first sample
            self.maxrss_kib = usage.ru_maxrss
        self.returncode = os.waitstatus_to_exitcode(status)
        # Popen must not wait for a PID that is gone (or, later, someone else's).
        self.proc.returncode = self.returncode

    def wait(self, timeout_s, on_poll=None):
        """Waits for exit; at the deadline SIGTERM, then SIGKILL. on_poll(self) runs every poll."""
        deadline = self.started + timeout_s
        while not self.poll():
            if on_poll is not None:
                on_poll(self)
            if time.monotonic() >= deadline and not self.timed_out:
                self.timed_out = True
                self._signal(signal.SIGTERM)
                deadline = time.monotonic() + KILL_GRACE_S
                continue
            if self.timed_out and time.monotonic() >= deadline:
                self._signal(signal.SIGKILL)
                _, status, usage = os.wait4(self.proc.pid, 0)
                self._reaped(status, usage)
                break
            time.sleep(POLL_S)
        return self

    def stop(self):
        """Stops the process if it still runs (used on the harness's own failure paths)."""
        if self.proc is None or self.returncode is not None:
            return
        self.timed_out = True
        self._signal(signal.SIGTERM)
        self.wait(KILL_GRACE_S)

    def _signal(self, sig):
        # Not reaped yet, so the PID is still ours even if the process has exited.
        try:
            os.kill(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    @property
    def cpu_s(self):
        return self.user_s + self.sys_s

    def stdout_text(self):
        with open(self.stdout_path, errors="replace") as f:
            return f.read()

    def stderr_tail(self, limit=1500):
        with open(self.stderr_path, errors="replace") as f:
            return f.read()[-limit:]


def vm_hwm_kib(pid):
    """The peak resident set of a running process so far (VmHWM), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None
