#!/usr/bin/env python3
"""Starts and stops SOCKS5 proxies on loopback for urlsweep's SOCKS tests (stdlib only).

  microsocks (Debian microsocks) on 127.0.0.1:<free>, each instance its own process, log and port:
  `open` asks for no authentication, `authed` for RFC 1929 username/password (-u/-P). microsocks
  resolves names with getaddrinfo, that is the system resolver and /etc/hosts: give it only IP literals
  and names /etc/hosts holds for loopback (`localhost`), so that nothing leaves loopback.

Never -1 (auth_once): it would let an address that authenticated once through without credentials,
and the tests of missing and wrong credentials would pass for the wrong reason.

Each runs in the foreground, dies with the process that started it (parent-death signal) and is
stopped by its PID.
"""

import os
import shutil
import subprocess

from process_util import die_with_parent, free_port, stop_process, tail, wait_listening

USER = "sockuser"
PASSWORD = "s0cks-pa55word"
READY_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 5.0


class SocksStack:
    """microsocks instances by role. start() then stop(); stop() is safe to call twice."""

    def __init__(self, workdir, roles=("open", "authed"), user=USER, password=PASSWORD):
        if shutil.which("microsocks") is None:
            raise RuntimeError("not installed: microsocks (Debian microsocks)")
        self.dir = os.path.abspath(workdir)
        self.roles = list(roles)
        self.user = user
        self.password = password
        self.ports = {}
        self.procs = {}

    def url(self, role, scheme="socks5", user=None, password=None):
        auth = "%s:%s@" % (user, password) if user is not None else ""
        return "%s://%s127.0.0.1:%d" % (scheme, auth, self.ports[role])

    def authed_url(self, role="authed", scheme="socks5"):
        return self.url(role, scheme, self.user, self.password)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        try:
            for role in self.roles:
                self.start_one(role)
        except BaseException:
            self.stop()
            raise
        return self

    def start_one(self, role):
        port = free_port()
        argv = ["microsocks", "-i", "127.0.0.1", "-p", str(port)]
        if role.startswith("authed"):
            argv += ["-u", self.user, "-P", self.password]
        log_path = os.path.join(self.dir, "%s.log" % role)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                    close_fds=True, preexec_fn=die_with_parent)
        self.procs[role] = proc
        self.ports[role] = port
        if wait_listening(proc, [("127.0.0.1", port)], READY_TIMEOUT_S):
            raise RuntimeError("microsocks %s did not start:\n%s" % (role, tail(log_path)))
        return port

    def stop_one(self, role):
        stop_process(self.procs.pop(role, None), STOP_TIMEOUT_S)

    def stop(self):
        for role in list(self.procs):
            self.stop_one(role)
