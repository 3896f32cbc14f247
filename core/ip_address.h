// IpAddress: one IPv4 or IPv6 address without a port, in 17 bytes; SocketAddress: an address with its port
// in the form connect() takes, in 28 bytes. A task keeps up to kMaxAddresses answers for every request in
// flight and a connection keeps its peer, so sockaddr_storage (128 bytes, sized for every socket family)
// would be a third of the memory a request in flight holds (bench/README.md item 6). Pure: no I/O.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string_view>

namespace urlsweep {

struct IpAddress {
  uint8_t family = 0;      // AF_INET or AF_INET6; 0 = none
  uint8_t bytes[16] = {};  // network order; AF_INET uses the first 4
};

// Either family's socket address; `sa.sa_family` says which member holds it. Only AF_INET and AF_INET6
// are ever connected to, so sockaddr_in6 bounds the size.
union SocketAddress {
  sockaddr sa;
  sockaddr_in in4;
  sockaddr_in6 in6;
};

// The address of an AF_INET or AF_INET6 socket address (the port and an IPv6 scope id are dropped: the
// DNS layer keeps neither). False, *out untouched, for another family.
bool IpAddressFromSockaddr(const sockaddr* addr, IpAddress* out);

// An IP literal as a URL host holds it (IPv6 without brackets): a dotted quad or an IPv6 address, as
// inet_pton takes them (no "127.1" shorthand, no leading zeros, no zone id). False, *out untouched, for a
// name or anything inet_pton rejects. The only parser of address text in the tree.
bool ParseIpLiteral(std::string_view text, IpAddress* out);
// The same, for one family only (AF_INET or AF_INET6): false for a literal of the other family.
bool ParseIpLiteral(std::string_view text, int family, IpAddress* out);

// The socket address of `ip` at `port`, every other byte zero.
SocketAddress ToSocketAddress(const IpAddress& ip, uint16_t port);
uint16_t PortOf(const SocketAddress& addr);
IpAddress AddressOf(const SocketAddress& addr);

// The address as text (dotted quad; IPv6 in RFC 5952 form, without brackets) in `buf`, which the
// returned view points into. Empty for family 0.
std::string_view FormatIpAddress(const IpAddress& ip, char (&buf)[INET6_ADDRSTRLEN]);

}  // namespace urlsweep
