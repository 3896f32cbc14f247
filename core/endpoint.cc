#include "core/endpoint.h"

#include <sys/socket.h>

#include <limits>

#include "core/ip_address.h"

namespace urlsweep {

bool ParsePort(std::string_view text, uint16_t* port) {
  if (text.empty()) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
    if (value > std::numeric_limits<uint16_t>::max()) return false;
  }
  if (value == 0) return false;
  *port = static_cast<uint16_t>(value);
  return true;
}

bool ParseEndpoint(std::string_view text, uint16_t default_port, Endpoint* out) {
  IpAddress ip;
  out->port = default_port;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    const std::string_view address = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!ParseIpLiteral(address, AF_INET6, &ip)) return false;
    if (!rest.empty() && (rest.front() != ':' || !ParsePort(rest.substr(1), &out->port))) return false;
    out->ip = std::string(address);
    return true;
  }
  if (ParseIpLiteral(text, AF_INET6, &ip)) {
    out->ip = std::string(text);
    return true;
  }
  const size_t colon = text.find(':');
  const std::string_view address = text.substr(0, colon);
  if (!ParseIpLiteral(address, AF_INET, &ip)) return false;
  if (colon != std::string_view::npos && !ParsePort(text.substr(colon + 1), &out->port)) return false;
  out->ip = std::string(address);
  return true;
}

}  // namespace urlsweep
