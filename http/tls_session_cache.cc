#include "http/tls_session_cache.h"

#include <ctime>
#include <utility>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// Whether a session is past its lifetime (for a TLS 1.3 ticket, the server's ticket_lifetime; RFC 8446
// section 4.6.1). Offering it would only cost the server a lookup before a full handshake.
bool Expired(const SSL_SESSION* session, time_t now) {
  const long start = SSL_SESSION_get_time(session);
  const long timeout = SSL_SESSION_get_timeout(session);
  return start + timeout <= now;
}

}  // namespace

void TlsSessionCache::KeyFor(std::string_view host, uint16_t port, std::string* out) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  out->assign(host);
  out->push_back(':');
  absl::StrAppend(out, port);
}

TlsSessionCache::~TlsSessionCache() {
  while (!lru_.empty()) DropOrigin(lru_.begin());
}

void TlsSessionCache::Put(std::string_view key, SSL_SESSION* session, const Verdict& verdict) {
  if (session == nullptr || SSL_SESSION_is_resumable(session) != 1) return;
  auto found = index_.find(key);
  Lru::iterator origin;
  if (found == index_.end()) {
    lru_.push_front(Origin{std::string(key), {}});
    origin = lru_.begin();
    index_.emplace(std::string_view(origin->key), origin);
  } else {
    origin = found->second;
    lru_.splice(lru_.begin(), lru_, origin);
  }
  // A copy (sharing the parsed certificates), not the connection's own object: OpenSSL marks a
  // connection's session unresumable when the connection ends without close_notify (ssl_clear_bad_session
  // in SSL_free), which is how a scan ends most of them.
  SSL_SESSION* copy = SSL_SESSION_dup(session);
  if (copy == nullptr) return;
  origin->slots.push_back(Slot{copy, verdict});
  ++sessions_;
  if (origin->slots.size() > kMaxSessionsPerOrigin) DropSlot(origin, 0);
  if (index_.size() > kMaxOrigins) DropOrigin(std::prev(lru_.end()));
}

SSL_SESSION* TlsSessionCache::Take(std::string_view key, bool require_verified, Verdict* verdict) {
  auto found = index_.find(key);
  if (found == index_.end()) return nullptr;
  Lru::iterator origin = found->second;
  const time_t now = std::time(nullptr);
  for (size_t i = origin->slots.size(); i-- > 0;) {
    const Slot& slot = origin->slots[i];
    if (require_verified && !slot.verdict.verified) continue;
    if (Expired(slot.session, now) || SSL_SESSION_is_resumable(slot.session) != 1) {
      DropSlot(origin, i);
      if (origin->slots.empty()) {
        DropOrigin(origin);
        return nullptr;
      }
      continue;
    }
    // A copy again, for the same reason as in Put.
    SSL_SESSION* copy = SSL_SESSION_dup(slot.session);
    if (copy == nullptr) return nullptr;
    *verdict = slot.verdict;
    lru_.splice(lru_.begin(), lru_, origin);
    return copy;
  }
  return nullptr;
}

void TlsSessionCache::DropSlot(Lru::iterator origin, size_t slot) {
  SSL_SESSION_free(origin->slots[slot].session);
  --sessions_;
  origin->slots.erase(origin->slots.begin() + static_cast<std::ptrdiff_t>(slot));
}

void TlsSessionCache::DropOrigin(Lru::iterator origin) {
  for (const Slot& slot : origin->slots) SSL_SESSION_free(slot.session);
  sessions_ -= origin->slots.size();
  index_.erase(std::string_view(origin->key));
  lru_.erase(origin);
}

}  // namespace urlsweep
