#include "scanner/exclude_list.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/text.h"

namespace urlsweep {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// An IP literal, IPv6 with or without brackets.
bool ParseAddress(std::string_view text, IpAddress* out) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  return ParseIpLiteral(text, out);
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_')) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<ExcludeList> ExcludeList::Parse(std::string_view text, std::string_view file_name) {
  ExcludeList list;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Trim(line);
    if (line.empty()) continue;
    IpAddress address;
    std::string_view addr = line;
    int prefix = -1;
    if (size_t slash = line.find('/'); slash != std::string_view::npos) {
      addr = line.substr(0, slash);
      if (!absl::SimpleAtoi(ToAbsl(line.substr(slash + 1)), &prefix)) prefix = -2;
    }
    if (ParseAddress(addr, &address)) {
      // A bare address is the block of that one address.
      if (prefix == -1) prefix = address.family == AF_INET ? 32 : 128;
      Cidr net;
      if (!MakeCidr(address, prefix, &net)) {
        return absl::InvalidArgumentError(absl::StrCat("--exclude ", std::string(file_name), " line ", line_no,
                                                       ": bad prefix length in '", std::string(line), "'"));
      }
      list.nets_.push_back(net);
      continue;
    }
    std::string name = absl::AsciiStrToLower(ToAbsl(line));
    while (!name.empty() && name.back() == '.') name.pop_back();
    while (!name.empty() && name.front() == '.') name.erase(0, 1);
    if (prefix != -1 || !ValidName(name)) {
      return absl::InvalidArgumentError(absl::StrCat("--exclude ", std::string(file_name), " line ", line_no,
                                                     ": not an address, network or host name: '",
                                                     std::string(line), "'"));
    }
    list.names_.insert(std::move(name));
  }
  return list;
}

absl::StatusOr<ExcludeList> ExcludeList::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot open --exclude file '", path, "': ", std::strerror(errno)));
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return Parse(buf.str(), path);
}

bool ExcludeList::MatchesHost(std::string_view host) const {
  IpAddress ip;
  if (ParseAddress(host, &ip)) return MatchesIp(ip);
  if (names_.empty()) return false;
  return AnyDomainOf(host, [this](std::string_view name) { return names_.contains(ToAbsl(name)); });
}

bool ExcludeList::MatchesAddress(const sockaddr_storage& addr) const {
  IpAddress ip;
  return IpAddressFromSockaddr(reinterpret_cast<const sockaddr*>(&addr), &ip) && MatchesIp(ip);
}

bool ExcludeList::MatchesBytes(int family, const uint8_t* bytes) const {
  IpAddress ip;
  ip.family = static_cast<uint8_t>(family);
  std::memcpy(ip.bytes, bytes, family == AF_INET ? 4 : 16);
  return MatchesIp(ip);
}

bool ExcludeList::MatchesIp(const IpAddress& ip) const {
  for (const Cidr& net : nets_) {
    if (net.Contains(ip)) return true;
  }
  // An IPv4-mapped IPv6 address (RFC 4291 section 2.5.5.2) reaches the IPv4 host: check it against IPv4
  // entries too, whether DNS returned it or a URL holds it as a literal (through a proxy the literal is
  // all there is to check).
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (ip.family == AF_INET6 && std::memcmp(ip.bytes, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    IpAddress v4;
    v4.family = AF_INET;
    std::memcpy(v4.bytes, ip.bytes + sizeof(kMappedPrefix), 4);
    return MatchesIp(v4);
  }
  return false;
}

}  // namespace urlsweep
