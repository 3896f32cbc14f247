#include "dns/hosts_file.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "core/host_match.h"
#include "core/ip_address.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// Read size for Load; a typical /etc/hosts fits in one read.
constexpr size_t kReadChunk = 64 * 1024;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// The next blank-separated field of `*line`, consumed from it; empty at the end.
std::string_view NextField(std::string_view* line) {
  size_t start = 0;
  while (start < line->size() && IsBlank((*line)[start])) ++start;
  size_t end = start;
  while (end < line->size() && !IsBlank((*line)[end])) ++end;
  const std::string_view field = line->substr(start, end - start);
  line->remove_prefix(end);
  return field;
}

bool ParseAddress(std::string_view text, DnsCache::Address* address) {
  IpAddress ip;
  if (!ParseIpLiteral(text, &ip)) return false;
  address->family = ip.family;
  std::memcpy(address->bytes, ip.bytes, sizeof(address->bytes));
  return true;
}

bool HasUpper(std::string_view name) {
  return std::any_of(name.begin(), name.end(), [](char c) { return absl::ascii_isupper(c); });
}

}  // namespace

HostsFile HostsFile::Parse(std::string_view text) {
  HostsFile hosts;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);

    DnsCache::Address address;
    if (!ParseAddress(NextField(&line), &address)) continue;
    for (std::string_view name = NextField(&line); !name.empty(); name = NextField(&line)) {
      hosts.Add(name, address);
    }
  }
  return hosts;
}

HostsFile HostsFile::Load(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HostsFile();
  std::string text;
  char chunk[kReadChunk];
  for (;;) {
    const ssize_t n = read(fd, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      // A file we cannot read through (a directory, an I/O error) counts as no file: half of it could
      // hide the first line of a name behind a later one.
      text.clear();
      break;
    }
    if (n == 0) break;
    text.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  return Parse(text);
}

void HostsFile::Add(std::string_view name, const DnsCache::Address& address) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return;
  std::string key(name);
  absl::AsciiStrToLower(&key);
  DnsCache::Answer& answer = entries_[key];
  const bool family_known =
      std::any_of(answer.addresses.begin(), answer.addresses.end(),
                  [&](const DnsCache::Address& kept) { return kept.family == address.family; });
  if (family_known) return;  // the first line for this name and family wins
  // IPv4 first, as the Resolver orders every answer.
  if (address.family == AF_INET) {
    answer.addresses.insert(answer.addresses.begin(), address);
  } else {
    answer.addresses.push_back(address);
  }
}

bool HostsFile::IsLocalhostName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return DomainMatches(name, "localhost");
}

const DnsCache::Answer& HostsFile::LoopbackAnswer() {
  static const DnsCache::Answer* const answer = [] {
    auto* loopback = new DnsCache::Answer;
    DnsCache::Address v4;
    v4.family = AF_INET;
    const in_addr v4_loopback = {htonl(INADDR_LOOPBACK)};
    std::memcpy(v4.bytes, &v4_loopback, sizeof(v4_loopback));
    DnsCache::Address v6;
    v6.family = AF_INET6;
    std::memcpy(v6.bytes, &in6addr_loopback, sizeof(in6addr_loopback));
    loopback->addresses = {v4, v6};
    return loopback;
  }();
  return *answer;
}

const DnsCache::Answer* HostsFile::Find(std::string_view name) const {
  if (entries_.empty()) return nullptr;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  // The Resolver's names are already lower case; only other callers pay for the copy.
  if (HasUpper(name)) {
    std::string lower(name);
    absl::AsciiStrToLower(&lower);
    auto found = entries_.find(lower);
    return found == entries_.end() ? nullptr : &found->second;
  }
  // Abseil's heterogeneous lookup takes absl::string_view, which is not std::string_view in this build.
  auto found = entries_.find(ToAbsl(name));
  return found == entries_.end() ? nullptr : &found->second;
}

}  // namespace urlsweep
