// Resolver: asynchronous A/AAAA lookups on one libuv loop, for the scanner. One Resolver per loop.
// Answers are cached with their TTL (negative answers too) and concurrent lookups of one name are
// coalesced, so 10,000 URLs on one name cost one query.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/options.h"

namespace urlsweep {

// At most this many addresses are kept per name: enough to try the next address when one fails, small
// enough to keep the answer inline in every waiting request.
inline constexpr int kMaxAddresses = 8;

struct DnsResult {
  int ares_status = 0;  // ARES_SUCCESS (0) or an ARES_E* code; mapped to an error word by FromAresStatus
  int address_count = 0;
  // IPv4 addresses first, then IPv6, each in the server's order. Ports are 0.
  sockaddr_storage addresses[kMaxAddresses];
  bool from_cache = false;  // answered without a query: from the cache or the hosts file
  // ResolverOptions::flag_address said yes to an address of the DNS answer: any of all the addresses
  // the name has, also those beyond the kMaxAddresses kept above. Not set for hosts-file answers (all of
  // their at most two addresses are kept).
  bool flagged = false;
};

struct ResolverOptions {
  std::vector<Endpoint> servers;  // empty: /etc/resolv.conf
  double timeout_s = 5;           // --dns-timeout: total budget c-ares gets for one lookup
  size_t cache_capacity = 100000;  // names kept; least recently used evicted beyond it
  // hosts(5) file answered before DNS (/etc/hosts is honoured also with --resolver, docs/flags.md). Read
  // once, in Create: later changes to the file are not seen. Missing or unreadable: no entries.
  std::string hosts_path = "/etc/hosts";
  // AF_INET or AF_INET6 (-4 / -6): only that family is asked of DNS (A or AAAA alone) and kept from the
  // hosts file; AF_UNSPEC: both.
  int family = AF_UNSPEC;
  // Asked of every address of every DNS answer before it is cut to kMaxAddresses (DnsResult::flagged);
  // nullptr: none. The scanner passes --exclude here, which holds on every address a name resolves to.
  // `family` is AF_INET (4 bytes) or AF_INET6 (16 bytes). Runs inside c-ares: it must not call the
  // resolver.
  bool (*flag_address)(const void* arg, int family, const uint8_t* bytes) = nullptr;
  const void* flag_address_arg = nullptr;
};

class Resolver {
 public:
  // A lookup in progress. Embedded in its owner (never allocated by the resolver), which must keep it
  // alive until its callback runs or Cancel() returns.
  class Request {
   public:
    // `result` lives only for the call (the resolver fills one DnsResult per delivery and reuses it).
    using Callback = void (*)(Request* request, const DnsResult& result);
    explicit Request(Callback cb) : callback_(cb) {}
    bool pending() const { return pending_ != nullptr; }
    void* data = nullptr;  // for the owner (libuv style): recovers the owner in the callback

   private:
    friend class Resolver;
    friend class ResolverImpl;
    Callback callback_;
    // What the request waits on: a lookup, or one of the resolver's two lists of cache hits.
    void* pending_ = nullptr;
    Request* next_ = nullptr;
    Request* prev_ = nullptr;
    size_t hit_index_ = 0;  // its place in that list of cache hits
  };

  static absl::StatusOr<std::unique_ptr<Resolver>> Create(uv_loop_t* loop, const ResolverOptions& options);
  virtual ~Resolver() = default;

  // Starts resolving `name` (ASCII, lower case, no trailing dot needed). The callback always runs on a
  // later loop turn, never inside this call (also for cache hits). A request must not be started twice
  // while pending.
  virtual void Resolve(std::string_view name, Request* request) = 0;
  // The callback will not run. No-op when the request is not pending.
  virtual void Cancel(Request* request) = 0;
  // Stops all lookups (pending requests are cancelled without callback) and closes the resolver's handles;
  // `on_closed` runs once every handle is closed, after which the Resolver may be destroyed.
  virtual void Close(void (*on_closed)(void* arg), void* arg) = 0;

  struct Stats {
    uint64_t lookups = 0;    // Resolve() calls
    uint64_t cache_hits = 0;  // answered from the cache
    uint64_t hosts_hits = 0;  // answered from the hosts file (or loopback for a localhost name)
    uint64_t coalesced = 0;   // joined a lookup already in flight
    uint64_t queries = 0;     // lookups handed to c-ares
  };
  virtual Stats stats() const = 0;
};

}  // namespace urlsweep
