#include "core/host_match.h"

#include <sys/socket.h>

#include <charconv>
#include <cstring>
#include <system_error>

#include "core/text.h"

namespace urlsweep {
namespace {

int MaxPrefixBits(int family) { return family == AF_INET ? 32 : 128; }

}  // namespace

bool Cidr::Contains(const IpAddress& ip) const {
  if (ip.family != network.family) return false;
  const int full = prefix_bits / 8;
  if (std::memcmp(ip.bytes, network.bytes, static_cast<size_t>(full)) != 0) return false;
  const int rest = prefix_bits % 8;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (ip.bytes[full] & mask) == network.bytes[full];
}

bool MakeCidr(const IpAddress& address, int64_t prefix_bits, Cidr* out) {
  const int max_bits = MaxPrefixBits(address.family);
  if (prefix_bits < 0 || prefix_bits > max_bits) return false;
  Cidr cidr;
  cidr.network = address;
  cidr.prefix_bits = static_cast<int>(prefix_bits);
  // Host bits cleared, so Contains compares whole bytes and one masked byte.
  for (int bit = cidr.prefix_bits; bit < max_bits; ++bit) {
    cidr.network.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
  }
  *out = cidr;
  return true;
}

bool ParseCidr(std::string_view text, Cidr* out) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  IpAddress address;
  if (!ParseIpLiteral(text.substr(0, slash), &address)) return false;
  const std::string_view bits_text = text.substr(slash + 1);
  int64_t bits = 0;
  const char* end = bits_text.data() + bits_text.size();
  auto [parsed_to, ec] = std::from_chars(bits_text.data(), end, bits);
  if (bits_text.empty() || ec != std::errc() || parsed_to != end) return false;
  return MakeCidr(address, bits, out);
}

bool DomainMatches(std::string_view host, std::string_view domain) {
  return AnyDomainOf(host, [domain](std::string_view name) { return EqualsIgnoreCase(name, domain); });
}

}  // namespace urlsweep
