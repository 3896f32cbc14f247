#!/usr/bin/env python3
"""stunnel (Debian stunnel4) on loopback: TLS in front of a plain TCP service, for urlsweep's tests of
https:// proxies (TLS to the proxy, the HTTP proxy behind it). Each service gets its own port, its own
certificate and key; the process runs in the foreground, dies with the process that started it and is
stopped by its PID. stunnel only ever connects to the loopback ports it is given."""

import os
import shutil
import subprocess

from process_util import die_with_parent, free_port, stop_process, tail, wait_listening

READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


class StunnelStack:
    """services: {name: (backend_port, cert_chain_path, key_path)}. ports[name] after start()."""

    def __init__(self, workdir, services):
        binary = shutil.which("stunnel4") or shutil.which("stunnel")
        if binary is None:
            raise RuntimeError("not installed: stunnel4 (Debian stunnel4)")
        self.binary = binary
        self.dir = os.path.abspath(workdir)
        self.services = dict(services)
        self.ports = {}
        self.proc = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        lines = ["foreground = yes", "pid =", "debug = 4", ""]
        for name, (backend, cert, key) in sorted(self.services.items()):
            self.ports[name] = free_port()
            lines += ["[%s]" % name, "accept = 127.0.0.1:%d" % self.ports[name],
                      "connect = 127.0.0.1:%d" % backend, "cert = %s" % cert, "key = %s" % key, ""]
        conf = os.path.join(self.dir, "stunnel.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines))
        log_path = os.path.join(self.dir, "stunnel.log")
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen([self.binary, conf], stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=log, close_fds=True, preexec_fn=die_with_parent)
        if wait_listening(self.proc, [("127.0.0.1", port) for port in self.ports.values()], READY_TIMEOUT_S):
            self.stop()
            raise RuntimeError("stunnel did not start:\n" + tail(log_path))
        return self

    def stop(self):
        stop_process(self.proc, STOP_TIMEOUT_S)
        self.proc = None
