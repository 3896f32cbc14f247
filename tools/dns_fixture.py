#!/usr/bin/env python3
"""A tiny DNS server on loopback for the answers dnsmasq will not give (stdlib only).

Behaviour by the first label of the queried name (it only has to start with the word, so
servfail1.test and servfail-b.test are distinct names that behave alike):

  servfail*  rcode 2 (SERVFAIL)
  refused*   rcode 5 (REFUSED)
  garbage*   the right ID and question, then an answer section that cannot be parsed
             (a compression pointer past the end of the message, cut short)
  trunc*     over UDP: the TC bit and no answer; over TCP: A 127.0.0.1
  many*      MANY_RECORDS (40) A records, MANY_FIRST (127.0.4.100) upwards, always in that order:
             more than a 512-byte UDP message holds, so over UDP the records that fit and the TC bit,
             over TCP all of them
  silent*    never answered (UDP dropped; a TCP connection is held open unanswered)
  noise*     random bytes under another message ID and without the question: nothing a client can
             match to its query, so it keeps waiting (a server that answers pure garbage)
  nxdomain*  rcode 3 (NXDOMAIN)
  nodata*    NOERROR without answer
  anything   A 127.0.0.1 (TTL 60); other types NOERROR without answer

UDP and TCP listen on the same port. A third socket, the "sink", is a UDP socket that never reads:
point dnsmasq's server=/dead.test/ at it to get queries that time out.

  dns_fixture.py [--address 127.0.0.1] [--port 0] [--sink-port 0] [--ready-file PATH] [--log PATH]

The ready file gets "ADDRESS PORT" and "ADDRESS SINKPORT sink" once everything listens. The log
gets one line per query: "udp A name" or "tcp AAAA name".

Importable too: query() is the small client the integration tests use to check DNS fixtures.
"""

import argparse
import os
import random
import selectors
import signal
import socket
import struct
import sys

# Answers carry this TTL: long enough to be cached for a whole test, short enough not to matter.
ANSWER_TTL = 60
# Largest DNS message over UDP without EDNS (RFC 1035 section 4.2.1).
MAX_UDP_MESSAGE = 512
# Largest message over TCP: the two-byte length prefix (RFC 1035 section 4.2.2).
MAX_TCP_MESSAGE = 65535
# Most TCP connections held open at once; beyond it the oldest is dropped, so a client that never
# closes cannot exhaust our file descriptors.
MAX_TCP_CONNECTIONS = 256
# Seconds a TCP reply may take to send before the connection is dropped.
TCP_SEND_TIMEOUT = 2.0
# Bytes of random garbage appended after the invalid compression pointer of garbage* answers.
GARBAGE_BYTES = 6
# Length of a noise* answer: longer than a DNS header, so it is not dropped merely for being short.
NOISE_BYTES = 40
# many*: this many A records, from MANY_FIRST up (inside fixture_server's listening range
# 127.0.1.0-127.0.4.255, so each address can be asked /count?addr=).
MANY_RECORDS = 40
MANY_FIRST = (127, 0, 4, 100)

TYPE_A = 1
TYPE_AAAA = 28
TYPE_NAMES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
              33: "SRV", 41: "OPT", 65: "HTTPS", 255: "ANY"}

RCODE_NOERROR = 0
RCODE_FORMERR = 1
RCODE_SERVFAIL = 2
RCODE_NXDOMAIN = 3
RCODE_REFUSED = 5


def type_name(qtype):
    return TYPE_NAMES.get(qtype, "TYPE%d" % qtype)


class Query:
    """One parsed question (RFC 1035 section 4.1)."""

    def __init__(self, msg_id, flags, name, qtype, qclass, question):
        self.msg_id = msg_id
        self.flags = flags
        self.name = name  # lower case, no trailing dot
        self.qtype = qtype
        self.qclass = qclass
        self.question = question  # the raw question section, echoed back


def parse_query(data):
    """A Query, or None when `data` is not a query with exactly one question."""
    if len(data) < 12:
        return None
    msg_id, flags, qdcount = struct.unpack("!HHH", data[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    pos = 12
    labels = []
    while True:
        if pos >= len(data):
            return None
        length = data[pos]
        if length == 0:
            pos += 1
            break
        if length & 0xC0 or pos + 1 + length > len(data):
            return None
        labels.append(data[pos + 1:pos + 1 + length].decode("ascii", "replace").lower())
        pos += 1 + length
    if pos + 4 > len(data):
        return None
    qtype, qclass = struct.unpack("!HH", data[pos:pos + 4])
    return Query(msg_id, flags, ".".join(labels), qtype, qclass, data[12:pos + 4])


def build_reply(query, rcode=RCODE_NOERROR, answers=(), truncated=False, raw_answer=b"",
                limit=MAX_TCP_MESSAGE):
    """A reply to `query`. `answers` holds (qtype, ttl, rdata) records for the queried name. When
    they do not all fit in `limit` bytes, only the whole records that fit are sent, with the TC bit
    (RFC 2181 section 9)."""
    flags = 0x8000 | (query.flags & 0x7800) | 0x0400 | (query.flags & 0x0100) | 0x0080 | rcode
    records = []
    size = 12 + len(query.question) + len(raw_answer)
    for rtype, ttl, rdata in answers:
        # 0xC00C: a pointer to the name in the question, which starts at offset 12.
        record = struct.pack("!HHHIH", 0xC00C, rtype, 1, ttl, len(rdata)) + rdata
        if size + len(record) > limit:
            truncated = True
            break
        records.append(record)
        size += len(record)
    if truncated:
        flags |= 0x0200
    ancount = len(records) + (1 if raw_answer else 0)
    out = struct.pack("!HHHHHH", query.msg_id, flags, 1, ancount, 0, 0) + query.question
    return out + b"".join(records) + raw_answer


def many_addresses():
    """The A records of many* names, in the order they are sent."""
    first = struct.unpack("!I", bytes(MANY_FIRST))[0]
    return [socket.inet_ntoa(struct.pack("!I", first + i)) for i in range(MANY_RECORDS)]


def behaviour(name):
    first = name.split(".", 1)[0]
    for word in ("servfail", "refused", "garbage", "trunc", "silent", "noise", "nxdomain", "nodata",
                 "many"):
        if first.startswith(word):
            return word
    return "default"


def answer(data, transport):
    """The reply bytes for one query message, or None for no reply."""
    query = parse_query(data)
    if query is None:
        if len(data) >= 12:
            return struct.pack("!HHHHHH", struct.unpack("!H", data[:2])[0], 0x8000 | RCODE_FORMERR,
                               0, 0, 0, 0)
        return None
    kind = behaviour(query.name)
    if kind == "silent":
        return None
    if kind == "servfail":
        return build_reply(query, RCODE_SERVFAIL)
    if kind == "refused":
        return build_reply(query, RCODE_REFUSED)
    if kind == "nxdomain":
        return build_reply(query, RCODE_NXDOMAIN)
    if kind == "nodata":
        return build_reply(query)
    if kind == "garbage":
        # A compression pointer to offset 0x3FFF, far beyond the message: no parser can follow it.
        return build_reply(query, raw_answer=b"\xff\xff" + os.urandom(GARBAGE_BYTES))
    if kind == "noise":
        # Another ID (RFC 1035 section 7.3: a resolver matches replies by ID and question), then noise.
        return struct.pack("!H", query.msg_id ^ 0x5A5A) + os.urandom(NOISE_BYTES - 2)
    if kind == "trunc" and transport == "udp":
        return build_reply(query, truncated=True)
    limit = MAX_UDP_MESSAGE if transport == "udp" else MAX_TCP_MESSAGE
    if kind == "many" and query.qtype == TYPE_A:
        return build_reply(query, answers=[(TYPE_A, ANSWER_TTL, socket.inet_aton(address))
                                           for address in many_addresses()], limit=limit)
    if query.qtype == TYPE_A:
        return build_reply(query, answers=[(TYPE_A, ANSWER_TTL, socket.inet_aton("127.0.0.1"))])
    return build_reply(query)


class DnsFixture:
    def __init__(self, address, port, sink_port, log_path):
        self.address = address
        self.log = open(log_path, "a", buffering=1) if log_path else None
        self.selector = selectors.DefaultSelector()
        self.udp = None
        self.tcp = None
        for _ in range(32):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((address, port))
            chosen = udp.getsockname()[1]
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((address, chosen))
            except OSError:
                udp.close()
                tcp.close()
                if port:
                    raise
                continue
            self.udp, self.tcp = udp, tcp
            break
        if self.udp is None:
            raise OSError("no port free for both UDP and TCP on %s" % address)
        self.port = self.udp.getsockname()[1]
        self.tcp.listen(64)
        self.tcp.setblocking(False)
        self.udp.setblocking(False)
        # Never read: queries sent here wait forever, like a dead server's.
        self.sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sink.bind((address, sink_port))
        self.sink_port = self.sink.getsockname()[1]
        self.selector.register(self.udp, selectors.EVENT_READ, "udp")
        self.selector.register(self.tcp, selectors.EVENT_READ, "accept")
        self.connections = {}  # socket -> bytearray of unparsed input

    def note(self, transport, data):
        if self.log is None:
            return
        query = parse_query(data)
        if query is not None:
            self.log.write("%s %s %s\n" % (transport, type_name(query.qtype), query.name))

    def write_ready(self, path):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write("%s %d\n%s %d sink\n" % (self.address, self.port, self.address, self.sink_port))
        os.rename(tmp, path)

    def on_udp(self):
        for _ in range(64):
            try:
                data, peer = self.udp.recvfrom(MAX_TCP_MESSAGE)
            except (BlockingIOError, InterruptedError):
                return
            self.note("udp", data)
            reply = answer(data, "udp")
            if reply is not None:
                self.udp.sendto(reply, peer)

    def on_accept(self):
        try:
            conn, _ = self.tcp.accept()
        except (BlockingIOError, InterruptedError):
            return
        if len(self.connections) >= MAX_TCP_CONNECTIONS:
            self.drop(next(iter(self.connections)))
        conn.setblocking(False)
        self.connections[conn] = bytearray()
        self.selector.register(conn, selectors.EVENT_READ, "tcp")

    def drop(self, conn):
        self.selector.unregister(conn)
        del self.connections[conn]
        conn.close()

    def on_tcp(self, conn):
        try:
            data = conn.recv(MAX_TCP_MESSAGE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self.drop(conn)
            return
        buf = self.connections[conn]
        buf += data
        while len(buf) >= 2:
            length = struct.unpack("!H", buf[:2])[0]
            if len(buf) < 2 + length:
                break
            message = bytes(buf[2:2 + length])
            del buf[:2 + length]
            self.note("tcp", message)
            reply = answer(message, "tcp")
            if reply is not None:
                try:
                    # Replies are small; a client that does not read them within the timeout is dropped.
                    conn.settimeout(TCP_SEND_TIMEOUT)
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
                    conn.setblocking(False)
                except OSError:
                    self.drop(conn)
                    return

    def serve_forever(self):
        while True:
            for key, _ in self.selector.select():
                if key.data == "udp":
                    self.on_udp()
                elif key.data == "accept":
                    self.on_accept()
                else:
                    self.on_tcp(key.fileobj)


def query(server, port, name, qtype=TYPE_A, tcp=False, timeout=2.0):
    """Asks `server`:`port` once. Returns (rcode, flags, [(type, ttl, rdata_text)]), or None on
    timeout. For the fixture self-tests only: no retries, no compression in answers' rdata."""
    msg_id = random.randrange(65536)
    question = b"".join(bytes([len(p)]) + p.encode("ascii") for p in name.rstrip(".").split("."))
    message = struct.pack("!HHHHHH", msg_id, 0x0100, 1, 0, 0, 0) + question + b"\x00" + \
        struct.pack("!HH", qtype, 1)
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        if tcp:
            sock.connect((server, port))
            sock.sendall(struct.pack("!H", len(message)) + message)
            data = b""
            while len(data) < 2 or len(data) < 2 + struct.unpack("!H", data[:2])[0]:
                chunk = sock.recv(MAX_TCP_MESSAGE)
                if not chunk:
                    return None
                data += chunk
            data = data[2:]
        else:
            sock.sendto(message, (server, port))
            data, _ = sock.recvfrom(MAX_TCP_MESSAGE)
    except socket.timeout:
        return None
    finally:
        sock.close()
    return parse_reply(data)


def parse_reply(data):
    """(rcode, flags, answers) of a reply; answers as (type, ttl, text). Raises ValueError."""
    if len(data) < 12:
        raise ValueError("short reply")
    _, flags, qdcount, ancount = struct.unpack("!HHHH", data[:8])
    pos = 12

    def skip_name(pos):
        while True:
            if pos >= len(data):
                raise ValueError("name runs past the end")
            length = data[pos]
            if length & 0xC0 == 0xC0:
                if pos + 2 > len(data):
                    raise ValueError("pointer runs past the end")
                if (struct.unpack("!H", data[pos:pos + 2])[0] & 0x3FFF) >= len(data):
                    raise ValueError("pointer past the end")
                return pos + 2
            if length == 0:
                return pos + 1
            pos += 1 + length

    for _ in range(qdcount):
        pos = skip_name(pos) + 4
    answers = []
    for _ in range(ancount):
        pos = skip_name(pos)
        if pos + 10 > len(data):
            raise ValueError("record runs past the end")
        rtype, _, ttl, rdlength = struct.unpack("!HHIH", data[pos:pos + 10])
        rdata = data[pos + 10:pos + 10 + rdlength]
        if len(rdata) != rdlength:
            raise ValueError("rdata runs past the end")
        pos += 10 + rdlength
        if rtype == TYPE_A:
            text = socket.inet_ntop(socket.AF_INET, rdata)
        elif rtype == TYPE_AAAA:
            text = socket.inet_ntop(socket.AF_INET6, rdata)
        else:
            text = rdata.hex()
        answers.append((type_name(rtype), ttl, text))
    return flags & 0xF, flags, answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="UDP and TCP port, 0 = a free one")
    parser.add_argument("--sink-port", type=int, default=0, help="the never-reading UDP socket")
    parser.add_argument("--ready-file")
    parser.add_argument("--log")
    args = parser.parse_args()
    if not args.address.startswith("127."):
        parser.error("--address must be a loopback IPv4 address")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = DnsFixture(args.address, args.port, args.sink_port, args.log)
    if args.ready_file:
        server.write_ready(args.ready_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
