// Endpoint: an IP address and port as the command line gives them (--resolver IP[:PORT]), and the parser
// of port numbers every address form shares. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace urlsweep {

// An IP endpoint as given on the command line ("127.0.0.1", "127.0.0.1:5353", "[::1]:53", "::1").
struct Endpoint {
  std::string ip;  // textual address as given, no brackets
  uint16_t port = 0;
};

// A port: decimal digits, 1 to 65535 (leading zeros allowed). False, *port untouched, for anything else,
// the empty text included (a caller for which an empty port means the default checks that first, RFC
// 3986 section 3.2.3).
bool ParsePort(std::string_view text, uint16_t* port);

// IP, IP:PORT, [IPv6] or [IPv6]:PORT; a bare IPv6 address takes no port. Without a port, `default_port`.
// False for anything else (a name, a bad port, text after ']').
bool ParseEndpoint(std::string_view text, uint16_t default_port, Endpoint* out);

}  // namespace urlsweep
