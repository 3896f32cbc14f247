// Matching a host against a listed network or domain, as no_proxy and --exclude both do: CIDR blocks
// (RFC 4632 section 3.1) and "a name or any of its subdomains". Pure.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/ip_address.h"

namespace urlsweep {

// An address block: the addresses whose first `prefix_bits` bits equal those of `network`.
struct Cidr {
  IpAddress network;  // host bits cleared
  int prefix_bits = 0;

  // True when `ip` is of the block's family and inside it. An IPv4-mapped IPv6 address is IPv6 here;
  // a caller that treats it as the IPv4 host it reaches checks the mapped address itself.
  bool Contains(const IpAddress& ip) const;
};

// The block of `address` with `prefix_bits` leading bits (0 to 32 for IPv4, 0 to 128 for IPv6). False,
// *out untouched, when the length does not fit the family.
bool MakeCidr(const IpAddress& address, int64_t prefix_bits, Cidr* out);

// "ADDRESS/BITS" (BITS in decimal digits, e.g. "10.0.0.0/8", "fd00::/8"). False, *out untouched, for
// anything else, a bare address included.
bool ParseCidr(std::string_view text, Cidr* out);

// Calls `listed` with `host`, then with each of its parent domains ("a.b.example" -> "a.b.example",
// "b.example", "example") until one call returns true; true when one did. Only whole labels are cut,
// so "badexample.com" never reaches "example.com".
template <typename Listed>
bool AnyDomainOf(std::string_view host, Listed listed) {
  for (;;) {
    if (listed(host)) return true;
    const size_t dot = host.find('.');
    if (dot == std::string_view::npos) return false;
    host.remove_prefix(dot + 1);
  }
}

// True when `host` is `domain` or one of its subdomains, ignoring ASCII case (RFC 4343).
bool DomainMatches(std::string_view host, std::string_view domain);

}  // namespace urlsweep
