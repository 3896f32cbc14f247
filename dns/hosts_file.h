// HostsFile: the addresses of a hosts(5) file (/etc/hosts), parsed once and looked up by name, so that a
// lookup costs a hash probe rather than c-ares 1.18 opening and parsing the file again for every name
// (lookups "f": one openat, newfstatat and close per URL). Pure apart from Load, which reads the file.
#pragma once

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "dns/cache.h"

namespace urlsweep {

class HostsFile {
 public:
  // What a line of hosts(5) gives, as glibc's files backend reads it:
  //   address  canonical-name  [alias ...]   # comment
  // Fields are separated by blanks; `#` starts a comment anywhere on a line. The address is an IPv4
  // dotted quad or an IPv6 address (inet_pton: no zone id, no "127.1" shorthand); a line whose address
  // does not parse, or that names no host, is ignored. Names match without regard to ASCII case, and a
  // trailing dot is dropped ("a.example." is "a.example", as the Resolver's names are). For each name the
  // first IPv4 line and the first IPv6 line win (later lines for the same name and family are ignored,
  // as glibc does without "multi on"), so an answer holds at most one address per family, IPv4 first.
  static HostsFile Parse(std::string_view text);

  // Parse of the file at `path`. A file that is missing or cannot be read gives no entries: a machine
  // without /etc/hosts resolves every name through DNS, which is not an error.
  static HostsFile Load(const std::string& path);

  // The answer for `name` (ares_status 0, one or two addresses), or nullptr when the file does not
  // name it. Valid as long as this HostsFile.
  const DnsCache::Answer* Find(std::string_view name) const;

  // Whether `name` is "localhost" or ends in ".localhost" (any case, trailing dot or not). RFC 6761
  // section 6.3: such names are never sent to DNS and always resolve to loopback. c-ares 1.18 does the
  // same (it skips DNS for them, and its hosts-file step answers them when the file does not).
  static bool IsLocalhostName(std::string_view name);
  // The answer for a localhost name the file does not list: 127.0.0.1 and ::1, as c-ares gives.
  static const DnsCache::Answer& LoopbackAnswer();

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  void Add(std::string_view name, const DnsCache::Address& address);

  // Keyed by the lower-case name without a trailing dot.
  absl::flat_hash_map<std::string, DnsCache::Answer> entries_;
};

}  // namespace urlsweep
