"""dnsmasq answering the benchmark's names, on a free loopback port.

  h<N>.test  A address_for(N) = 127.0.1.0 + N % 1024 (the fixtures' convention, tools/README.md),
             N = 0 .. names-1, TTL LOCAL_TTL; AAAA: no data

Unlike the test stack (tools/fixture_stack.py) it logs no queries: in S1 every URL has a name of its
own, and a log line per query would be dnsmasq work that the clients are charged for in wall time.
"""

import os
import random
import socket
import struct

from server_process import ServerProcess, free_port

# The fixture address range: names spread over 1024 addresses, so connections to distinct names go
# to distinct addresses (no one address:port carries every connection of a scenario).
RANGE_SIZE = 1024
RANGE_SPEC = "127.0.1.0-127.0.4.255"
# Positive answers stay cacheable for the whole run (dnsmasq's default local-ttl is 0: uncacheable).
LOCAL_TTL = 600
# Attempts at starting dnsmasq on a free port (another process may take the port we picked).
PORT_ATTEMPTS = 5


def address_for(n):
    i = n % RANGE_SIZE
    return "127.0.%d.%d" % (1 + i // 256, i % 256)


def range_addresses():
    return [address_for(n) for n in range(RANGE_SIZE)]


def query_a(port, name, timeout_s=0.2):
    """Sends one A query for `name` to 127.0.0.1:port; True when an answer with records came."""
    qid = random.randrange(65536)
    question = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    packet = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + question + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout_s)
        try:
            s.sendto(packet, ("127.0.0.1", port))
            reply = s.recv(512)
        except OSError:
            return False
    if len(reply) < 12:
        return False
    rid, _, _, ancount = struct.unpack(">HHHH", reply[:8])
    return rid == qid and ancount > 0


class DnsServer:
    def __init__(self, workdir, names):
        self.dir = workdir
        self.names = names
        self.port = None
        self.server = ServerProcess("dnsmasq", os.path.join(workdir, "dnsmasq.out"))

    @property
    def resolver(self):
        """The --resolver value for urlsweep."""
        return "127.0.0.1:%d" % self.port

    def start(self):
        hosts = os.path.join(self.dir, "dnsmasq.hosts")
        with open(hosts, "w") as f:
            for n in range(self.names):
                f.write("%s h%d.test\n" % (address_for(n), n))
        conf = os.path.join(self.dir, "dnsmasq.conf")
        with open(conf, "w") as f:
            f.write("local=/test/\naddn-hosts=%s\nlocal-ttl=%d\n" % (hosts, LOCAL_TTL))
        for _ in range(PORT_ATTEMPTS):
            port = free_port(udp_too=True)
            argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=" + conf, "--port=%d" % port,
                    "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts",
                    "--pid-file=" + os.path.join(self.dir, "dnsmasq.pid")]
            if os.geteuid() == 0:
                # Keep root's user: a change of user clears the parent-death signal (prctl(2)), and
                # "nobody" could not read a private temporary directory.
                argv += ["--user=root", "--group=root"]
            self.server.spawn(argv)
            try:
                self.server.wait_until(lambda: query_a(port, "h0.test"), "answer for h0.test")
                self.port = port
                return self
            except RuntimeError:
                if self.server.running():
                    self.server.stop()
                    raise
        raise RuntimeError("dnsmasq did not start:\n" + self.server.log_tail())

    def stop(self):
        self.server.stop()
