#!/usr/bin/env python3
"""Starts and stops urlsweep's loopback fixtures as one stack (stdlib only).

The stack:
  fixture_server  HTTP on 127.0.0.1, ::1 and 127.0.1.0-127.0.4.255, all on one free port, plus a
                  blackhole port on 127.0.0.1 (connects hang), an "early" port on 127.0.0.1 (the
                  answer comes before the request is read), a "stall-reset" port on 127.0.0.1 (a
                  large request is still being sent when the connection is reset), and (unless
                  tls=False) one HTTPS port on 127.0.0.1 per entry of TLS_LISTENERS, with
                  certificates from make_certs.sh, and one HTTP/2 port per entry of H2_LISTENERS
  dns_fixture.py  odd DNS answers (servfail*, refused*, garbage*, trunc*, silent*, many*) and a sink
  dnsmasq         the names of the tests (below), on a free port

dnsmasq's names (TTL LOCAL_TTL; NXDOMAIN and NODATA answers carry no SOA, hence no negative TTL):
  h<N>.test    N = 0 .. names-1 -> address_for(N) = 127.0.1.0 + N % 1024
  v6.test      ::1
  both.test    127.0.0.1 and ::1
  fallback.test  127.0.5.5 (nothing listens there: refused) and ::1; urlsweep tries IPv4 first
  nodata.test  a TXT record only: NOERROR without address (c-ares: ARES_ENODATA)
  TLS_NAMES    valid.test, expired.test, ... (the names the certificates expect): 127.0.0.1
  other .test  NXDOMAIN (local=/test/; c-ares: ARES_ENOTFOUND)
  *.dead.test  forwarded to the sink, which never answers: the client times out

Every process is started here and stopped here by its PID; configuration, ready files, pid files
and logs live in the stack's directory.

Command line (what tools/fixtures.sh calls):
  fixture_stack.py start DIR --fixture-bin PATH [--names N] [--threads N] [--no-tls]
      starts the stack in the background and writes DIR/env (shell syntax: ports, PIDs, paths)
  fixture_stack.py stop DIR
      stops the processes listed in DIR/env, checking each PID still runs our command line
"""

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import time

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS_DIR)
import dns_fixture  # noqa: E402  (needs TOOLS_DIR on the path)
from process_util import die_with_parent as _die_with_parent  # noqa: E402
from process_util import stop_process  # noqa: E402
from process_util import tail as _tail  # noqa: E402

# The HTTP fixture's address range: 1024 addresses, so tests can give names distinct addresses and
# count connections per address.
RANGE_FIRST = (127, 0, 1, 0)
RANGE_SIZE = 1024
RANGE_SPEC = "127.0.1.0-127.0.4.255"
# An address outside every listener (127.0.0.1 and RANGE_SPEC): a connect there is refused. fallback.test
# has it beside ::1, for the next-address test.
REFUSING_ADDRESS = "127.0.5.5"
# Names h0.test .. h<DEFAULT_NAMES-1>.test exist: more than the scale test's 1,000 names.
DEFAULT_NAMES = 5000
# TTL of dnsmasq's own records (its default, 0, would make every answer uncacheable).
LOCAL_TTL = 600
# How long a process may take to become ready: dnsmasq and Python start in well under a second,
# but the machine may be loaded.
READY_TIMEOUT_S = 30.0
# How long a stopped process may take to exit after SIGTERM before it gets SIGKILL.
STOP_TIMEOUT_S = 5.0
# Attempts at starting dnsmasq on a free port (another process may take the port we picked).
DNSMASQ_PORT_ATTEMPTS = 5
# Poll interval while waiting for readiness or exit.
POLL_S = 0.05

MAKE_CERTS = os.path.join(TOOLS_DIR, "make_certs.sh")
# make_certs.sh makes about 30 keys and certificates; a loaded machine may take seconds.
MAKE_CERTS_TIMEOUT_S = 120

# The HTTPS listeners, one port each on 127.0.0.1: key -> (certificate file served, key file,
# fixture_server options, host name of the URLs that reach it). The files are make_certs.sh's; an
# `ocsp=FILE` option names one of its OCSP responses, which the listener staples.
TLS_LISTENERS = {
    "valid": ("valid-chain.pem", "valid-key.pem", "", "valid.test"),
    "expired": ("expired-chain.pem", "expired-key.pem", "", "expired.test"),
    "notyet": ("notyet-chain.pem", "notyet-key.pem", "", "notyet.test"),
    "self": ("self-chain.pem", "self-key.pem", "", "self.test"),
    # A leaf whose issuer nobody trusts: without its root in the chain, and with it.
    "untrusted": ("untrusted.pem", "untrusted-key.pem", "", "untrusted.test"),
    "untrusted_root": ("untrusted-chain.pem", "untrusted-key.pem", "", "untrusted.test"),
    # Certified for other.test, served as wrong.test.
    "wrong": ("wrong-chain.pem", "wrong-key.pem", "", "wrong.test"),
    # IP SANs only: reached as https://127.0.0.1:PORT/.
    "ip": ("ip-chain.pem", "ip-key.pem", "", "127.0.0.1"),
    # extendedKeyUsage clientAuth only: no server certificate (X509_V_ERR_INVALID_PURPOSE).
    "invalid": ("invalid-chain.pem", "invalid-key.pem", "", "invalid.test"),
    # A revoked leaf stapling the OCSP response that says so; the valid leaf stapling "good"; the
    # revoked leaf stapling a "revoked" response signed by a root nobody trusts (to be ignored).
    "revoked": ("revoked-chain.pem", "revoked-key.pem", "ocsp=revoked-ocsp.der", "revoked.test"),
    "ocsp_good": ("valid-chain.pem", "valid-key.pem", "ocsp=valid-ocsp.der", "valid.test"),
    "ocsp_forged": ("revoked-chain.pem", "revoked-key.pem", "ocsp=revoked-ocsp-forged.der",
                    "revoked.test"),
    "tls12": ("valid-chain.pem", "valid-key.pem", "tls12", "valid.test"),
    # No session cache and no tickets: every handshake a full one.
    "noresume": ("valid-chain.pem", "valid-key.pem", "noresume", "valid.test"),
    "tls12_noresume": ("valid-chain.pem", "valid-key.pem", "tls12,noresume", "valid.test"),
    "nohandshake": ("valid-chain.pem", "valid-key.pem", "nohandshake", "valid.test"),
    "alert": ("valid-chain.pem", "valid-key.pem", "alert", "valid.test"),
    "reset": ("valid-chain.pem", "valid-key.pem", "reset", "valid.test"),
    "plain": ("valid-chain.pem", "valid-key.pem", "plain", "valid.test"),
}
# The HTTP/2 listeners of fixture_server, one port each: key -> (TLS certificate and key files or None
# for cleartext prior knowledge (h2c), address, options, host name of the URLs that reach it). The
# options are fixture_server's H2OPTIONS (tools/README.md): what the port does wrong on purpose.
H2_LISTENERS = {
    "h2": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "", "valid.test"),
    "h2_v6": (("ip-chain.pem", "ip-key.pem"), "::1", "", "[::1]"),
    "h2_tls12": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "tls12", "valid.test"),
    "h2_maxstreams2": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "maxstreams=2", "valid.test"),
    "h2_nosettings": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "nosettings", "valid.test"),
    "h2_silent": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "silent", "valid.test"),
    "h2_garbage": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "garbage", "valid.test"),
    "h2_nowindow": (("valid-chain.pem", "valid-key.pem"), "127.0.0.1", "nowindow", "valid.test"),
    "h2c": (None, "127.0.0.1", "", "valid.test"),
    "h2c_v6": (None, "::1", "", "v6.test"),
    "h2c_maxstreams2": (None, "127.0.0.1", "maxstreams=2", "valid.test"),
    "h2c_nosettings": (None, "127.0.0.1", "nosettings", "valid.test"),
    "h2c_silent": (None, "127.0.0.1", "silent", "valid.test"),
    "h2c_garbage": (None, "127.0.0.1", "garbage", "valid.test"),
}

# dnsmasq gives these names 127.0.0.1, where the HTTPS listeners are.
TLS_NAMES = sorted({name for _, _, _, name in TLS_LISTENERS.values() if name.endswith(".test")})

def address_for(n):
    """The loopback address dnsmasq gives h<n>.test."""
    i = n % RANGE_SIZE
    return "127.0.%d.%d" % (RANGE_FIRST[2] + i // 256, i % 256)




def _free_port_udp_tcp():
    """A port free for UDP and TCP on 127.0.0.1 right now (dnsmasq cannot pick one itself)."""
    for _ in range(32):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind(("127.0.0.1", 0))
        port = udp.getsockname()[1]
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            tcp.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            tcp.close()
            udp.close()
    raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")


def _read_ready(path):
    """[(address, port, kind, [further fields])] from a ready file, kind '' for plain listeners."""
    entries = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2:
                entries.append((parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "",
                                parts[3:]))
    return entries




class FixtureStack:
    """The running fixtures. start() then stop(); stop() is safe to call twice and after a failed
    start()."""

    def __init__(self, workdir, fixture_bin, names=DEFAULT_NAMES, threads=2, detach=False,
                 tls=True):
        self.dir = os.path.abspath(workdir)
        self.fixture_bin = fixture_bin
        self.names = names
        self.threads = threads
        self.tls = tls
        self.cert_dir = os.path.join(self.dir, "certs")
        self.ca_file = os.path.join(self.cert_dir, "ca.pem")
        self.tls_ports = {}  # TLS_LISTENERS key -> port
        self.h2_ports = {}  # H2_LISTENERS key -> port (with tls only)
        # detach: the processes outlive this Python process (the command line's `start`).
        self.detach = detach
        self.procs = {}  # role -> Popen
        self.http_port = None
        self.blackhole_port = None
        self.early_port = None  # --early-listen: answers before reading the request
        self.stall_reset_port = None  # --stall-reset-listen: resets while the request is sent
        self.dns_port = None  # dnsmasq
        self.dns_fixture_port = None
        self.dns_sink_port = None
        self.dnsmasq_log = os.path.join(self.dir, "dnsmasq.log")
        self.dns_fixture_log = os.path.join(self.dir, "dns_fixture.log")

    # -- starting ---------------------------------------------------------------------------------

    def _spawn(self, role, argv):
        log = open(os.path.join(self.dir, role + ".out"), "ab")
        kwargs = {"start_new_session": True} if self.detach else {"preexec_fn": _die_with_parent}
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                close_fds=True, **kwargs)
        log.close()
        self.procs[role] = proc
        return proc

    def _wait_ready(self, role, path):
        proc = self.procs[role]
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not os.path.exists(path):
            if proc.poll() is not None:
                raise RuntimeError("%s exited with status %s:\n%s" % (
                    role, proc.returncode, _tail(os.path.join(self.dir, role + ".out"))))
            if time.monotonic() > deadline:
                raise RuntimeError("%s not ready after %.0f s" % (role, READY_TIMEOUT_S))
            time.sleep(POLL_S)
        return _read_ready(path)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        try:
            if self.tls:
                self._make_certs()
            self._start_fixture_server()
            self._start_dns_fixture()
            self._start_dnsmasq()
            self.write_env()
        except BaseException:
            self.stop()
            raise
        return self

    def _make_certs(self):
        proc = subprocess.run(["bash", MAKE_CERTS, self.cert_dir], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=MAKE_CERTS_TIMEOUT_S)
        if proc.returncode != 0:
            raise RuntimeError("make_certs.sh failed:\n" +
                               proc.stderr.decode("utf-8", "replace")[-2000:])

    def _start_fixture_server(self):
        ready = os.path.join(self.dir, "fixture_server.ready")
        argv = [self.fixture_bin, "--listen", "127.0.0.1:0", "--listen", "[::1]:0",
                "--listen-range", RANGE_SPEC + ":0", "--blackhole", "127.0.0.1:0",
                "--early-listen", "127.0.0.1:0", "--stall-reset-listen", "127.0.0.1:0",
                "--threads", str(self.threads), "--ready-file", ready]
        tls_keys = list(TLS_LISTENERS) if self.tls else []
        for key in tls_keys:
            cert, cert_key, options, _ = TLS_LISTENERS[key]
            spec = "127.0.0.1:0:%s:%s" % (os.path.join(self.cert_dir, cert),
                                          os.path.join(self.cert_dir, cert_key))
            options = ",".join("ocsp=" + os.path.join(self.cert_dir, o[len("ocsp="):])
                               if o.startswith("ocsp=") else o
                               for o in options.split(",") if o)
            argv += ["--tls-listen", spec + (":" + options if options else "")]
        # The HTTP/2 ports need the certificates too, so they come with tls.
        h2_keys = {True: [], False: []}
        for key in (H2_LISTENERS if self.tls else {}):
            files, address, options, _ = H2_LISTENERS[key]
            spec = ("[%s]" % address if ":" in address else address) + ":0"
            if files:
                spec += ":%s:%s" % tuple(os.path.join(self.cert_dir, f) for f in files)
            argv += ["--h2-tls-listen" if files else "--h2-listen",
                     spec + (":" + options if options else "")]
            h2_keys[files is not None].append(key)
        self._spawn("fixture_server", argv)
        for address, port, kind, rest in self._wait_ready("fixture_server", ready):
            if kind == "blackhole":
                self.blackhole_port = port
            elif kind == "early":
                self.early_port = port
            elif kind == "stall-reset":
                self.stall_reset_port = port
            elif kind == "tls":
                self.tls_ports[tls_keys[int(rest[0])]] = port
            elif kind in ("h2", "h2c"):
                self.h2_ports[h2_keys[kind == "h2"][int(rest[0])]] = port
            elif address == "127.0.0.1":
                self.http_port = port

    def tls_url(self, key, path="/"):
        """The https URL of TLS listener `key` (a TLS_LISTENERS key) under its certificate's name."""
        return "https://%s:%d%s" % (TLS_LISTENERS[key][3], self.tls_ports[key], path)

    def h2_url(self, key, path="/"):
        """The URL of HTTP/2 listener `key` (an H2_LISTENERS key): https for TLS ports, http for
        prior-knowledge ports."""
        files, _, _, host = H2_LISTENERS[key]
        return "%s://%s:%d%s" % ("https" if files else "http", host, self.h2_ports[key], path)

    def _start_dns_fixture(self):
        ready = os.path.join(self.dir, "dns_fixture.ready")
        self._spawn("dns_fixture", [sys.executable, os.path.join(TOOLS_DIR, "dns_fixture.py"),
                                    "--ready-file", ready, "--log", self.dns_fixture_log])
        for _, port, kind, _ in self._wait_ready("dns_fixture", ready):
            if kind == "sink":
                self.dns_sink_port = port
            else:
                self.dns_fixture_port = port

    def _write_dnsmasq_files(self):
        hosts = os.path.join(self.dir, "dnsmasq.hosts")
        with open(hosts, "w") as f:
            for n in range(self.names):
                f.write("%s h%d.test\n" % (address_for(n), n))
            f.write("::1 v6.test\n127.0.0.1 both.test\n::1 both.test\n")
            f.write("%s fallback.test\n::1 fallback.test\n" % REFUSING_ADDRESS)
            for name in TLS_NAMES:
                f.write("127.0.0.1 %s\n" % name)
        conf = os.path.join(self.dir, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write("\n".join([
                "# Written by tools/fixture_stack.py: loopback names for urlsweep's tests.",
                "local=/test/",
                "addn-hosts=" + hosts,
                'txt-record=nodata.test,"exists without an address"',
                "server=/dead.test/127.0.0.1#%d" % self.dns_sink_port,
                "local-ttl=%d" % LOCAL_TTL,
                ""]))
        return conf

    def _start_dnsmasq(self):
        conf = self._write_dnsmasq_files()
        pid_file = os.path.join(self.dir, "dnsmasq.pid")
        last_error = ""
        for _ in range(DNSMASQ_PORT_ATTEMPTS):
            port = _free_port_udp_tcp()
            argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=" + conf, "--port=%d" % port,
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                    "--pid-file=" + pid_file, "--log-queries", "--log-facility=" + self.dnsmasq_log]
            if os.geteuid() == 0:
                # Keep root's user and group: any change of them clears the parent-death signal
                # (prctl(2)), and "nobody" could not read a private temporary directory.
                argv += ["--user=root", "--group=root"]
            proc = self._spawn("dnsmasq", argv)
            deadline = time.monotonic() + READY_TIMEOUT_S
            while proc.poll() is None and time.monotonic() < deadline:
                reply = dns_fixture.query("127.0.0.1", port, "h0.test", timeout=0.2)
                if reply is not None and reply[2]:
                    self.dns_port = port
                    return
            if proc.poll() is None:
                self._stop_one("dnsmasq")
                raise RuntimeError("dnsmasq did not answer within %.0f s" % READY_TIMEOUT_S)
            last_error = _tail(os.path.join(self.dir, "dnsmasq.out"))
            del self.procs["dnsmasq"]
        raise RuntimeError("dnsmasq did not start:\n" + last_error)

    # -- state --------------------------------------------------------------------------------------

    def env(self):
        """The stack as shell variables."""
        pids = {role: proc.pid for role, proc in self.procs.items()}
        tls = {}
        if self.tls:
            tls["CERT_DIR"] = self.cert_dir
            tls["CA_FILE"] = self.ca_file
            for key, port in self.tls_ports.items():
                tls["TLS_%s_PORT" % key.upper()] = port
            for key, port in self.h2_ports.items():
                tls["%s_PORT" % key.upper()] = port
        return {
            "FIXTURE_DIR": self.dir,
            "HTTP_PORT": self.http_port,
            "HTTP_RANGE": RANGE_SPEC,
            "NAMES": self.names,
            "BLACKHOLE_PORT": self.blackhole_port,
            "EARLY_PORT": self.early_port,
            "STALL_RESET_PORT": self.stall_reset_port,
            "DNS_PORT": self.dns_port,
            "RESOLVER": "127.0.0.1:%s" % self.dns_port,
            "DNS_FIXTURE_PORT": self.dns_fixture_port,
            "DNS_FIXTURE_RESOLVER": "127.0.0.1:%s" % self.dns_fixture_port,
            "DNS_SINK_PORT": self.dns_sink_port,
            "DNSMASQ_LOG": self.dnsmasq_log,
            "DNS_FIXTURE_LOG": self.dns_fixture_log,
            "FIXTURE_SERVER_PID": pids.get("fixture_server", ""),
            "DNS_FIXTURE_PID": pids.get("dns_fixture", ""),
            "DNSMASQ_PID": pids.get("dnsmasq", ""),
            **tls,
        }

    def write_env(self):
        path = os.path.join(self.dir, "env")
        with open(path + ".tmp", "w") as f:
            for key, value in self.env().items():
                f.write("%s=%s\n" % (key, shlex.quote(str(value))))
        os.rename(path + ".tmp", path)

    # -- stopping -----------------------------------------------------------------------------------

    def _stop_one(self, role):
        stop_process(self.procs.pop(role, None), STOP_TIMEOUT_S)

    def stop(self):
        for role in ("dnsmasq", "dns_fixture", "fixture_server"):
            self._stop_one(role)
        for role in list(self.procs):
            self._stop_one(role)

    # -- extra DNS servers ----------------------------------------------------------------------------

    def start_extra_dns_fixture(self, role):
        """Starts one more dns_fixture.py, independent of the stack's (a test may kill it to see a
        resolver die mid-run). Returns its UDP+TCP port on 127.0.0.1; kill_extra() or stop() ends it."""
        ready = os.path.join(self.dir, role + ".ready")
        if os.path.exists(ready):
            os.unlink(ready)
        self._spawn(role, [sys.executable, os.path.join(TOOLS_DIR, "dns_fixture.py"),
                           "--ready-file", ready, "--log", os.path.join(self.dir, role + ".log")])
        for _, port, kind, _ in self._wait_ready(role, ready):
            if kind != "sink":
                return port
        raise RuntimeError("%s wrote no port" % role)

    def kill_extra(self, role):
        """SIGKILLs an extra process by its PID, as a crash would end it, and reaps it."""
        proc = self.procs.pop(role, None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()


def _pid_is_ours(pid, marker):
    """Whether `pid` still runs a command line that mentions `marker` (our stack directory), so a
    reused PID is never signalled."""
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return marker.encode() in f.read()
    except OSError:
        return False


def stop_detached(workdir):
    """Stops the processes a detached start() listed in workdir/env."""
    workdir = os.path.abspath(workdir)
    values = {}
    with open(os.path.join(workdir, "env")) as f:
        for line in f:
            key, _, value = line.strip().partition("=")
            values[key] = shlex.split(value)[0] if value else ""
    pids = [int(values[k]) for k in ("DNSMASQ_PID", "DNS_FIXTURE_PID", "FIXTURE_SERVER_PID")
            if values.get(k)]
    for pid in pids:
        if _pid_is_ours(pid, workdir):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT_S
    for pid in pids:
        while _pid_is_ours(pid, workdir) and time.monotonic() < deadline:
            time.sleep(POLL_S)
        if _pid_is_ours(pid, workdir):
            os.kill(pid, signal.SIGKILL)


def main():
    parser = argparse.ArgumentParser(description="Start or stop urlsweep's loopback fixtures.")
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("dir")
    parser.add_argument("--fixture-bin", help="path of the fixture_server binary (start)")
    parser.add_argument("--names", type=int, default=DEFAULT_NAMES)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-tls", action="store_true", help="no certificates, no HTTPS listeners")
    args = parser.parse_args()
    if args.action == "stop":
        stop_detached(args.dir)
        return
    if not args.fixture_bin:
        parser.error("start needs --fixture-bin")
    stack = FixtureStack(args.dir, args.fixture_bin, args.names, args.threads, detach=True,
                         tls=not args.no_tls)
    stack.start()
    for key, value in stack.env().items():
        print("%s=%s" % (key, value))


if __name__ == "__main__":
    main()
