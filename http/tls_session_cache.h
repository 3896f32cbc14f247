// TlsSessionCache: one loop's client TLS sessions, for resumption (TLS 1.2 session IDs and tickets,
// TLS 1.3 PSK tickets; RFC 5077, RFC 8446 section 2.2), each kept with the verdict of the full
// handshake that first verified the server, so that a resumed connection reports the same tls_verify
// and cert_not_after as that handshake (no certificate is sent on resumption).
#pragma once

#include <openssl/ssl.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"

namespace urlsweep {

class TlsSessionCache {
 public:
  // What the full handshake found, kept beside each of its sessions.
  struct Verdict {
    const char* verify_word = nullptr;  // static text (TlsVerifyWord); nullptr under --tls-verify off
    std::optional<int64_t> cert_not_after_us;
    bool verified = false;  // the chain and name verified and no staple said revoked (verify_word "ok")
  };

  // Origins kept per loop, least recently used dropped first. Sessions are kept live, not serialized:
  // d2i_SSL_SESSION parses the leaf's key through OpenSSL 3.0's decoders, 140 us here, a sixth of the
  // full handshake it saves. So each origin holds a parsed peer chain (its two TLS 1.3 tickets share
  // one): about 13 KB with the test chain (TlsSessionCache.MemoryPerOrigin), more with a long real
  // one. 512 origins: 7-10 MiB per --threads at most, the memory of 250-350 established TLS
  // connections, and far more hosts than a loop visits at once when a list keeps a site's pages
  // together.
  static constexpr size_t kMaxOrigins = 512;
  // Sessions kept per origin, the newest offered first. A TLS 1.3 ticket is offered again until a newer
  // one comes: RFC 8446 section C.4 advises one use per ticket so that a passive observer cannot link
  // the connections, which protects nothing here (a scan's connections to an origin come from one
  // address within minutes), and single use would make all but two of the connections that start
  // together (OpenSSL servers send two tickets per full handshake) full handshakes. A server that
  // enforces single use answers a reused ticket with a full handshake. Two let the older stand in
  // when the newer is refused.
  static constexpr size_t kMaxSessionsPerOrigin = 2;
  TlsSessionCache() = default;
  ~TlsSessionCache();
  TlsSessionCache(const TlsSessionCache&) = delete;
  TlsSessionCache& operator=(const TlsSessionCache&) = delete;

  // Keeps a copy of `session` for `key` (sharing its certificates). Sessions that cannot be resumed
  // (no ID and no ticket) are not kept.
  void Put(std::string_view key, SSL_SESSION* session, const Verdict& verdict);
  // A copy of a session for `key`, newest first, that the caller owns (SSL_SESSION_free), and its
  // verdict; nullptr
  // when there is none. Expired ones are dropped on the way. With `require_verified`
  // (--tls-verify strict) a session whose full handshake did not verify is never returned. The session
  // stays in the cache for the next connection.
  SSL_SESSION* Take(std::string_view key, bool require_verified, Verdict* verdict);

  // Whether a session for `key` is held (expired ones included).
  bool Has(std::string_view key) const { return index_.contains(key); }
  size_t origins() const { return index_.size(); }
  size_t sessions() const { return sessions_; }

  // The key of an origin: the name or address literal, as SNI and verification use it (an IPv6
  // literal without brackets, a name without its trailing dot), and the port.
  static void KeyFor(std::string_view host, uint16_t port, std::string* out);

 private:
  struct Slot {
    SSL_SESSION* session;  // our own copy
    Verdict verdict;
  };
  struct Origin {
    std::string key;
    std::vector<Slot> slots;  // oldest first
  };
  using Lru = std::list<Origin>;  // most recently used first

  void DropSlot(Lru::iterator origin, size_t slot);
  void DropOrigin(Lru::iterator origin);

  Lru lru_;
  // Keys view their Origin's own key string (list nodes do not move).
  absl::flat_hash_map<std::string_view, Lru::iterator> index_;
  size_t sessions_ = 0;
};

}  // namespace urlsweep
