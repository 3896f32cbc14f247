#!/usr/bin/env python3
"""Starts and stops real HTTP proxies on loopback for urlsweep's proxy tests (stdlib only).

  squid      (Debian squid) on 127.0.0.1:<free>, Basic authentication through basic_ncsa_auth and an
             htpasswd file, cache off, names from a hosts_file (the fixture names -> loopback), CONNECT
             to `forbidden_port` denied (403) before authentication
  tinyproxy  (Debian tinyproxy) on 127.0.0.1:<free>, BasicAuth, CONNECT only to `connect_ports`
             (403 otherwise). tinyproxy resolves names with getaddrinfo, that is the system resolver:
             send it IP literals only, so that nothing leaves loopback

Both know the same user and password (USER, PASSWORD by default), plus any `extra_users`: squid all
of them, tinyproxy those whose name and password its configuration grammar accepts (TINYPROXY_TOKEN:
1.11.1 rejects a BasicAuth line with any other character, '@', ':' and '%' included).

Each runs in the foreground (squid -N, tinyproxy -d), is stopped by its PID and dies with the
process that started it: tinyproxy through the parent-death signal; squid drops root for
`cache_effective_user`, which clears that signal (prctl(2)), so it runs under a small guard process
(`proxy_stack.py guard`) that keeps the signal and stops squid by PID when it gets SIGTERM or its
parent dies.

What squid and tinyproxy answer (checked with squid 5.7 and tinyproxy 1.11.1):
  request                         squid                  tinyproxy
  GET, right credentials          the origin's answer    the origin's answer
  GET, no credentials             407                    407
  GET, wrong credentials          407                    401
  CONNECT, right credentials      200                    200
  CONNECT, no credentials         407                    407
  CONNECT, wrong credentials      407                    401
  CONNECT to a forbidden port     403                    403 (any port not in connect_ports)

Command line:
  proxy_stack.py guard [--cleanup PREFIX] -- ARGV...   (internal: runs ARGV under the guard)
"""

import argparse
import base64
import re
import glob
import os
import pwd
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from process_util import die_with_parent as _die_with_parent  # noqa: E402
from process_util import free_port, stop_process, wait_listening  # noqa: E402
from process_util import tail as _tail  # noqa: E402

# What the tests authenticate with. Distinctive, so a test can search every output for it.
USER = "sweeper"
PASSWORD = "pw-Zq7xK2-not-in-output"
# A second account whose password must be percent-encoded in a proxy URL ('@' ends the userinfo, ':'
# ends the user, '%' starts an escape): squid takes it as it is.
ODD_USER = "odd"
ODD_PASSWORD = "p@ss:w%rd"
# tinyproxy cannot hold that password (see TINYPROXY_TOKEN): its odd account has a password of the
# characters it accepts, which a proxy URL may still percent-encode.
TINY_ODD_USER = "odd-tiny"
TINY_ODD_PASSWORD = "p-ss.w_rd"
# What tinyproxy's configuration parser accepts as a BasicAuth user or password.
TINYPROXY_TOKEN = re.compile(r"[-A-Za-z0-9._]+")
# The proxies' Basic realm (shown in their 407 answers).
REALM = "urlsweep-fixture"
# How long a proxy may take to listen: squid starts its helpers first, on a loaded machine seconds.
READY_TIMEOUT_S = 60.0
# How long a proxy may take to exit after SIGTERM before it gets SIGKILL. squid waits
# shutdown_lifetime (set to SQUID_SHUTDOWN_S below) for open connections first.
STOP_TIMEOUT_S = 5.0
# How long we wait for the guard after SIGTERM: longer than it waits for squid, so the guard, not we,
# kills squid if it must.
GUARD_STOP_TIMEOUT_S = STOP_TIMEOUT_S + 5.0
# squid's shutdown_lifetime: its default, 30 s, would make every test class 30 s longer.
SQUID_SHUTDOWN_S = 1
# Attempts at starting a proxy on a free port (another process may take the port we picked).
PORT_ATTEMPTS = 5
# Poll interval while waiting for readiness or exit.
POLL_S = 0.05
# Where squid keeps its shared memory segments (/dev/shm/<service name>-*.shm); the guard removes ours
# after squid ends, in case it was killed before it could.
SHM_DIR = "/dev/shm"
# The user squid runs as when started as root (Debian's squid package creates it).
SQUID_USER = "proxy"





def basic_credentials(user=USER, password=PASSWORD):
    """The Proxy-Authorization value's credentials as sent on the wire (base64 of user:password)."""
    return base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


class ProxyStack:
    """squid and tinyproxy. start() then stop(); stop() is safe to call twice and after a failed
    start().

    hosts: {name: address} squid resolves itself (its hosts_file); connect_ports: the ports tinyproxy
    lets CONNECT reach; forbidden_port: the port squid refuses CONNECT to; extra_users: more
    (user, password) accounts (tinyproxy gets only those TINYPROXY_TOKEN accepts)."""

    def __init__(self, workdir, hosts, connect_ports=(), forbidden_port=None, user=USER,
                 password=PASSWORD, extra_users=()):
        self.dir = os.path.abspath(workdir)
        self.hosts = dict(hosts)
        self.connect_ports = sorted(set(connect_ports))
        self.forbidden_port = forbidden_port
        self.user = user
        self.password = password
        self.extra_users = list(extra_users)
        self.procs = {}  # role -> Popen
        self.squid_port = None
        self.tinyproxy_port = None
        self.squid_dir = os.path.join(self.dir, "squid")
        self.tinyproxy_dir = os.path.join(self.dir, "tinyproxy")

    def url(self, role, user=None, password=None):
        """http://[user:password@]127.0.0.1:PORT of `role` ('squid' or 'tinyproxy')."""
        port = self.squid_port if role == "squid" else self.tinyproxy_port
        auth = "%s:%s@" % (user, password) if user is not None else ""
        return "http://%s127.0.0.1:%d" % (auth, port)

    def authed_url(self, role):
        return self.url(role, self.user, self.password)

    # -- starting ---------------------------------------------------------------------------------

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        try:
            self._start_squid()
            self._start_tinyproxy()
        except BaseException:
            self.stop()
            raise
        return self

    def _spawn(self, role, argv, log_path, guard_cleanup=None):
        log = open(log_path, "ab")
        if guard_cleanup is not None:
            argv = [sys.executable, os.path.abspath(__file__), "guard", "--cleanup", guard_cleanup,
                    "--"] + argv
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                close_fds=True, preexec_fn=_die_with_parent)
        log.close()
        self.procs[role] = proc
        return proc

    def _wait_listening(self, role, port, log_path):
        failure = wait_listening(self.procs[role], [("127.0.0.1", port)], READY_TIMEOUT_S)
        if failure == "timed out":
            raise RuntimeError("%s not listening after %.0f s:\n%s" % (
                role, READY_TIMEOUT_S, _tail(log_path)))
        return failure is None

    def _write_htpasswd(self, d):
        htpasswd = os.path.join(d, "htpasswd")
        # apache2-utils' htpasswd writes an APR1-MD5 hash, which basic_ncsa_auth reads; -i takes the
        # password from standard input rather than the command line.
        accounts = [(self.user, self.password)] + self.extra_users
        for i, (user, password) in enumerate(accounts):
            create = ["-c"] if i == 0 else []
            made = subprocess.run(["htpasswd"] + create + ["-i", htpasswd, user],
                                  input=password.encode(), capture_output=True)
            if made.returncode != 0:
                raise RuntimeError("htpasswd failed: " + made.stderr.decode("utf-8", "replace"))
        return htpasswd

    def _auth_lines(self, d):
        """squid's authentication settings and the files they name: Basic through basic_ncsa_auth."""
        htpasswd = self._write_htpasswd(d)
        return [
            "auth_param basic program /usr/lib/squid/basic_ncsa_auth %s" % htpasswd,
            "auth_param basic realm %s" % REALM,
            "auth_param basic children 2",
            "acl authenticated proxy_auth REQUIRED",
        ], [htpasswd]

    def _write_squid_files(self, port):
        d = self.squid_dir
        auth_lines, auth_files = self._auth_lines(d)
        hosts = os.path.join(d, "hosts")
        with open(hosts, "w") as f:
            for name, address in sorted(self.hosts.items()):
                f.write("%s %s\n" % (address, name))
        lines = [
            "# Written by tools/proxy_stack.py: an authenticating squid on loopback for urlsweep.",
            "http_port 127.0.0.1:%d" % port,
            "pid_filename %s" % os.path.join(d, "squid.pid"),
            "cache_log %s" % os.path.join(d, "cache.log"),
            "access_log stdio:%s" % os.path.join(d, "access.log"),
            "cache_store_log none",
            "coredump_dir %s" % d,
            "visible_hostname urlsweep-squid-fixture",
            # Nothing is cached, and without a cache_dir there are no swap folders (`squid -z`).
            "cache deny all",
            "shutdown_lifetime %d seconds" % SQUID_SHUTDOWN_S,
            # The test names come from hosts_file; any other lookup stays on loopback (port 53, where
            # nothing answers) instead of going to /etc/resolv.conf's servers.
            "hosts_file %s" % hosts,
            "dns_nameservers 127.0.0.1",
            # No ICMP pinger helper: it would probe the networks of the origins it measures.
            "pinger_enable off",
        ] + auth_lines
        if self.forbidden_port is not None:
            lines += ["acl forbidden_port port %d" % self.forbidden_port,
                      "http_access deny CONNECT forbidden_port"]
        lines += ["http_access allow authenticated", "http_access deny all"]
        if os.geteuid() == 0:
            # squid refuses to run as root; it switches to this user after binding.
            lines.append("cache_effective_user %s" % SQUID_USER)
        conf = os.path.join(d, "squid.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SQUID_USER)
            for path in [d, hosts, conf] + auth_files:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        return conf

    def _start_squid(self):
        os.makedirs(self.squid_dir, exist_ok=True)
        if os.geteuid() == 0:
            # squid's user must reach its files: let it through every folder above (search only).
            path = self.squid_dir
            while path != "/":
                path = os.path.dirname(path)
                mode = os.stat(path).st_mode
                if not mode & 0o001:
                    os.chmod(path, (mode & 0o7777) | 0o001)
        log = os.path.join(self.squid_dir, "squid.out")
        for _ in range(PORT_ATTEMPTS):
            port = free_port()
            # A service name of our own keeps our shared memory segments apart from other squids'.
            service = "urlsweep%d" % port
            conf = self._write_squid_files(port)
            self._spawn("squid", ["squid", "-N", "-n", service, "-f", conf], log,
                        guard_cleanup=os.path.join(SHM_DIR, service + "-"))
            if self._wait_listening("squid", port, log):
                self.squid_port = port
                return
            del self.procs["squid"]
        raise RuntimeError("squid did not start:\n%s\n%s" % (
            _tail(log), _tail(os.path.join(self.squid_dir, "cache.log"))))

    def _start_tinyproxy(self):
        d = self.tinyproxy_dir
        os.makedirs(d, exist_ok=True)
        log = os.path.join(d, "tinyproxy.out")
        accounts = [(user, password)
                    for user, password in [(self.user, self.password)] + self.extra_users
                    if TINYPROXY_TOKEN.fullmatch(user) and TINYPROXY_TOKEN.fullmatch(password)]
        for _ in range(PORT_ATTEMPTS):
            port = free_port()
            conf = os.path.join(d, "tinyproxy.conf")
            lines = [
                "# Written by tools/proxy_stack.py: an authenticating tinyproxy on loopback.",
                "Port %d" % port,
                "Listen 127.0.0.1",
                "Timeout 60",
                'PidFile "%s"' % os.path.join(d, "tinyproxy.pid"),
                'LogFile "%s"' % os.path.join(d, "tinyproxy.log"),
                "LogLevel Info",
                "MaxClients 64",
                "Allow 127.0.0.1",
            ] + ["BasicAuth %s %s" % account for account in accounts
                 ] + ["ConnectPort %d" % p for p in self.connect_ports]
            with open(conf, "w") as f:
                f.write("\n".join(lines) + "\n")
            self._spawn("tinyproxy", ["tinyproxy", "-d", "-c", conf], log)
            if self._wait_listening("tinyproxy", port, log):
                self.tinyproxy_port = port
                return
            del self.procs["tinyproxy"]
        raise RuntimeError("tinyproxy did not start:\n" + _tail(log))

    # -- stopping ---------------------------------------------------------------------------------

    def _stop_one(self, role):
        stop_process(self.procs.pop(role, None), GUARD_STOP_TIMEOUT_S if role == "squid" else STOP_TIMEOUT_S)

    def stop(self):
        for role in ("tinyproxy", "squid"):
            self._stop_one(role)


class AuthSquid(ProxyStack):
    """One squid asking for the authentication schemes `schemes`, in the order its 407 offers them:
    'basic' (basic_ncsa_auth), 'digest' (digest_file_auth, MD5: squid 5.7 speaks no other Digest
    algorithm), 'ntlm' (ntlm_fake_auth, which runs the three messages and accepts any password; an
    ACL then admits only the accounts' user names, so another user name is refused with a 407 as
    wrong credentials are). Only squid is started. Names as for ProxyStack."""

    def __init__(self, workdir, hosts, schemes, **kwargs):
        super().__init__(workdir, hosts, **kwargs)
        self.schemes = list(schemes)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        try:
            self._start_squid()
        except BaseException:
            self.stop()
            raise
        return self

    def _auth_lines(self, d):
        lines = []
        files = []
        accounts = [(self.user, self.password)] + self.extra_users
        for scheme in self.schemes:
            if scheme == "basic":
                htpasswd = self._write_htpasswd(d)
                files.append(htpasswd)
                lines += ["auth_param basic program /usr/lib/squid/basic_ncsa_auth %s" % htpasswd,
                          "auth_param basic realm %s" % REALM,
                          "auth_param basic children 2"]
            elif scheme == "digest":
                # digest_file_auth reads "user:password" lines (plain passwords).
                passwd = os.path.join(d, "digest-passwd")
                with open(passwd, "w") as f:
                    for user, password in accounts:
                        f.write("%s:%s\n" % (user, password))
                files.append(passwd)
                lines += ["auth_param digest program /usr/lib/squid/digest_file_auth %s" % passwd,
                          "auth_param digest realm %s" % REALM,
                          "auth_param digest children 2",
                          # squid's default: a nonce serves 50 requests, then the next is stale.
                          "auth_param digest nonce_max_count 50"]
            elif scheme == "ntlm":
                # -S: the user name without its domain, which the ACL below names.
                lines += ["auth_param ntlm program /usr/lib/squid/ntlm_fake_auth -S",
                          "auth_param ntlm children 4",
                          "auth_param ntlm keep_alive on"]
            else:
                raise ValueError("unknown scheme %r" % scheme)
        # A regular expression, not the names: ntlm_fake_auth (squid 5.7) reports the user name with
        # one byte of the next field after it ("sweeperw" for curl's "sweeper").
        lines.append("acl authenticated proxy_auth_regex ^(%s)" % "|".join(
            re.escape(user) for user, _ in accounts))
        # Denied by an authentication ACL, a known password with a user name not listed gets a 407
        # (squid's answer to credentials it refuses), not the 403 of "deny all".
        lines.append("http_access deny !authenticated")
        return lines, files

    def url(self, role="squid", user=None, password=None):
        return super().url("squid", user, password)


# -- the guard ------------------------------------------------------------------------------------


def guard(argv, cleanup_prefix):
    """Runs argv as a child, stops it by PID on SIGTERM/SIGINT or when our parent dies (the signal
    survives here because the guard keeps its user), and exits with its status."""
    stop_requested = []

    def on_stop(signum, frame):
        stop_requested.append(signum)

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    _die_with_parent()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, close_fds=True)
    kill_at = None
    while child.poll() is None:
        if stop_requested and kill_at is None:
            child.terminate()
            kill_at = time.monotonic() + STOP_TIMEOUT_S
        elif kill_at is not None and time.monotonic() > kill_at:
            child.kill()
        time.sleep(POLL_S)
    status = child.returncode
    if cleanup_prefix:
        for path in glob.glob(glob.escape(cleanup_prefix) + "*.shm"):
            try:
                os.unlink(path)
            except OSError:
                pass
    return status if status >= 0 else 128 - status


def main():
    parser = argparse.ArgumentParser(
        description="Helpers of urlsweep's proxy fixtures.",
        usage="proxy_stack.py guard [--cleanup PREFIX] -- ARGV...")
    parser.add_argument("action", choices=["guard"])
    parser.add_argument("--cleanup", default="", help="remove PREFIX*.shm after the child ends")
    # Everything after "--" is the child's command line, whatever it looks like.
    own, child = (sys.argv[1:], [])
    if "--" in own:
        split = own.index("--")
        own, child = own[:split], own[split + 1:]
    args = parser.parse_args(own)
    if not child:
        parser.error("guard needs a command after --")
    sys.exit(guard(child, args.cleanup))


if __name__ == "__main__":
    main()
