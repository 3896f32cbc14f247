#include "scanner/exclude_list.h"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool ParseAddress(std::string_view text, int* family, uint8_t* bytes) {
  std::string s(text);
  if (!s.empty() && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  if (inet_pton(AF_INET, s.c_str(), bytes) == 1) {
    *family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, s.c_str(), bytes) == 1) {
    *family = AF_INET6;
    return true;
  }
  return false;
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
    Net net;
    std::string_view addr = line;
    int prefix = -1;
    if (size_t slash = line.find('/'); slash != std::string_view::npos) {
      addr = line.substr(0, slash);
      if (!absl::SimpleAtoi(absl::string_view(line.data() + slash + 1, line.size() - slash - 1), &prefix)) prefix = -2;
    }
    if (ParseAddress(addr, &net.family, net.bytes)) {
      const int max_prefix = net.family == AF_INET ? 32 : 128;
      if (prefix == -1) prefix = max_prefix;
      if (prefix < 0 || prefix > max_prefix) {
        return absl::InvalidArgumentError(absl::StrCat("--exclude ", std::string(file_name), " line ", line_no,
                                                       ": bad prefix length in '", std::string(line), "'"));
      }
      net.prefix = prefix;
      // Clear host bits so matching compares whole bytes.
      for (int bit = prefix; bit < max_prefix; ++bit) net.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
      list.nets_.push_back(net);
      continue;
    }
    std::string name = absl::AsciiStrToLower(absl::string_view(line.data(), line.size()));
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
  int family = 0;
  uint8_t bytes[16];
  if (ParseAddress(host, &family, bytes)) return MatchesBytes(family, bytes);
  if (names_.empty()) return false;
  // The name itself, then each parent domain: a.b.example.com, b.example.com, example.com, com.
  for (;;) {
    if (names_.contains(absl::string_view(host.data(), host.size()))) return true;
    size_t dot = host.find('.');
    if (dot == std::string_view::npos) return false;
    host.remove_prefix(dot + 1);
  }
}

bool ExcludeList::MatchesAddress(const sockaddr_storage& addr) const {
  if (addr.ss_family == AF_INET) {
    return MatchesBytes(AF_INET, reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr));
  }
  if (addr.ss_family == AF_INET6) {
    return MatchesBytes(AF_INET6,
                        reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr));
  }
  return false;
}

bool ExcludeList::MatchesBytes(int family, const uint8_t* bytes) const {
  for (const Net& net : nets_) {
    if (net.family != family) continue;
    const int full = net.prefix / 8;
    if (std::memcmp(net.bytes, bytes, static_cast<size_t>(full)) != 0) continue;
    const int rest = net.prefix % 8;
    if (rest != 0) {
      const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
      if ((bytes[full] & mask) != net.bytes[full]) continue;
    }
    return true;
  }
  // An IPv4-mapped IPv6 address reaches the IPv4 host: check it against IPv4 entries too, whether DNS
  // returned it or a URL holds it as a literal (through a proxy the literal is all there is to check).
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (family == AF_INET6 && std::memcmp(bytes, kMappedPrefix, sizeof(kMappedPrefix)) == 0) {
    return MatchesBytes(AF_INET, bytes + sizeof(kMappedPrefix));
  }
  return false;
}

}  // namespace urlsweep
