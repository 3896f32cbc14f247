// DnsCache: the resolver's answer cache, keyed by name, with a lifetime per entry and least-recently-used
// eviction. Pure: no libuv, no c-ares; the caller passes the time, so tests drive the clock.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"

namespace urlsweep {

class DnsCache {
 public:
  // A positive answer's TTL is clamped to [kMinTtlS, kMaxTtlS].
  // TTL 0 is common (dnsmasq's local records, /etc/hosts entries, some CDNs) and would turn every URL of
  // a name into a query again; half a minute of staleness is harmless to a scan.
  static constexpr uint32_t kMinTtlS = 30;
  // A long scan should notice a renumbered host within the hour, whatever TTL the zone sets.
  static constexpr uint32_t kMaxTtlS = 3600;
  // Negative answers (NXDOMAIN, NODATA) live this long. RFC 2308 section 5 ties their lifetime to the SOA
  // minimum of the authority section, but c-ares' ares_getaddrinfo does not expose it; five minutes is a
  // common SOA minimum and short enough for names created during a scan to be seen.
  static constexpr uint32_t kNegativeTtlS = 300;

  struct Address {
    sa_family_t family = AF_INET;  // AF_INET: the first 4 bytes; AF_INET6: all 16
    uint8_t bytes[16] = {};
  };

  struct Answer {
    int ares_status = 0;  // 0 (ARES_SUCCESS): `addresses` holds the answer; otherwise a negative answer
    // An address of the whole answer, kept or not, was flagged (ResolverOptions::flag_address).
    bool flagged = false;
    // Most names have one or two addresses; more spill to the heap.
    absl::InlinedVector<Address, 2> addresses;
  };

  // capacity: names kept at most; 0 disables the cache.
  explicit DnsCache(size_t capacity);
  DnsCache(const DnsCache&) = delete;
  DnsCache& operator=(const DnsCache&) = delete;

  // The answer for `name` if one is stored and still alive at `now_ms`, and marks it most recently used;
  // nullptr otherwise (an expired entry is dropped). The pointer is valid until the next Insert.
  const Answer* Find(std::string_view name, uint64_t now_ms);

  // Stores `answer` for `name`, replacing any previous one. A successful answer (ares_status 0) lives
  // for `ttl_s` clamped to [kMinTtlS, kMaxTtlS]; any other status is a negative answer and lives
  // kNegativeTtlS (`ttl_s` is ignored). Deciding which failures are cacheable is the caller's job.
  // Evicts the least recently used entry when full.
  void Insert(std::string_view name, const Answer& answer, uint32_t ttl_s, uint64_t now_ms);

  size_t size() const { return map_.size(); }
  size_t capacity() const { return capacity_; }

  // How long an answer with this status and TTL is kept, in milliseconds.
  static uint64_t LifetimeMs(int ares_status, uint32_t ttl_s);

 private:
  struct Entry {
    std::string name;
    Answer answer;
    uint64_t expires_ms = 0;
  };
  using List = std::list<Entry>;

  void Erase(List::iterator it);

  size_t capacity_;
  List lru_;  // most recently used first
  // Keys view the names held by the list nodes, which never move.
  absl::flat_hash_map<std::string_view, List::iterator> map_;
};

}  // namespace urlsweep
