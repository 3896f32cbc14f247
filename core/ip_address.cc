#include "core/ip_address.h"

#include <cstring>

namespace urlsweep {

bool IpAddressFromSockaddr(const sockaddr* addr, IpAddress* out) {
  if (addr->sa_family == AF_INET) {
    IpAddress ip;
    ip.family = AF_INET;
    std::memcpy(ip.bytes, &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr, 4);
    *out = ip;
    return true;
  }
  if (addr->sa_family == AF_INET6) {
    IpAddress ip;
    ip.family = AF_INET6;
    std::memcpy(ip.bytes, &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr, 16);
    *out = ip;
    return true;
  }
  return false;
}

bool ParseIpLiteral(std::string_view text, IpAddress* out) {
  // inet_pton wants a NUL-terminated string; anything longer than the longest address text is a name.
  char buf[INET6_ADDRSTRLEN];
  if (text.size() >= sizeof(buf)) return false;
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddress ip;
  if (inet_pton(AF_INET, buf, ip.bytes) == 1) {
    ip.family = AF_INET;
  } else if (inet_pton(AF_INET6, buf, ip.bytes) == 1) {
    ip.family = AF_INET6;
  } else {
    return false;
  }
  *out = ip;
  return true;
}

bool ParseIpLiteral(std::string_view text, int family, IpAddress* out) {
  IpAddress ip;
  if (!ParseIpLiteral(text, &ip) || ip.family != family) return false;
  *out = ip;
  return true;
}

SocketAddress ToSocketAddress(const IpAddress& ip, uint16_t port) {
  SocketAddress addr;
  std::memset(&addr, 0, sizeof(addr));
  if (ip.family == AF_INET6) {
    addr.in6.sin6_family = AF_INET6;
    addr.in6.sin6_port = htons(port);
    std::memcpy(&addr.in6.sin6_addr, ip.bytes, 16);
  } else {
    addr.in4.sin_family = AF_INET;
    addr.in4.sin_port = htons(port);
    std::memcpy(&addr.in4.sin_addr, ip.bytes, 4);
  }
  return addr;
}

uint16_t PortOf(const SocketAddress& addr) {
  return ntohs(addr.sa.sa_family == AF_INET6 ? addr.in6.sin6_port : addr.in4.sin_port);
}

IpAddress AddressOf(const SocketAddress& addr) {
  IpAddress ip;
  IpAddressFromSockaddr(&addr.sa, &ip);
  return ip;
}

std::string_view FormatIpAddress(const IpAddress& ip, char (&buf)[INET6_ADDRSTRLEN]) {
  if (ip.family == AF_INET) {
    // By hand: glibc's inet_ntop formats IPv4 with sprintf, about 1,600 instructions, once per row.
    char* p = buf;
    for (int i = 0; i < 4; ++i) {
      const unsigned v = ip.bytes[i];
      if (v >= 100) *p++ = static_cast<char>('0' + v / 100);
      if (v >= 10) *p++ = static_cast<char>('0' + v / 10 % 10);
      *p++ = static_cast<char>('0' + v % 10);
      if (i != 3) *p++ = '.';
    }
    return std::string_view(buf, static_cast<size_t>(p - buf));
  }
  if (ip.family != AF_INET6 || inet_ntop(AF_INET6, ip.bytes, buf, sizeof(buf)) == nullptr) return {};
  return buf;
}

}  // namespace urlsweep
