// ExcludeList: what --exclude says never to contact (docs/https-proxies-redirects.md: IPv4/IPv6 addresses
// and CIDRs, host names matching themselves and their subdomains). Pure: parsing and matching only; the
// engine checks the name before any lookup, every resolved address before any connect, and every
// redirect target.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "core/host_match.h"
#include "core/ip_address.h"

namespace urlsweep {

class ExcludeList {
 public:
  // One entry a line; '#' starts a comment; blank lines skipped. Errors name the file and line.
  static absl::StatusOr<ExcludeList> Parse(std::string_view text, std::string_view file_name);
  static absl::StatusOr<ExcludeList> Load(const std::string& path);

  bool empty() const { return names_.empty() && nets_.empty(); }
  // `host`: lower-case ASCII name or IP literal without brackets. True when the name or one of its parent
  // domains is listed, or when it is an address inside a listed network.
  bool MatchesHost(std::string_view host) const;
  bool MatchesAddress(const sockaddr_storage& addr) const;
  // `bytes`: 4 for AF_INET, 16 for AF_INET6 (network order). An IPv4-mapped IPv6 address also matches
  // the IPv4 entries.
  bool MatchesBytes(int family, const uint8_t* bytes) const;

 private:
  bool MatchesIp(const IpAddress& ip) const;

  absl::flat_hash_set<std::string> names_;
  std::vector<Cidr> nets_;
};

}  // namespace urlsweep
