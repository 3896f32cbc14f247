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

void TlsSessionCache::Put(std::string_view key, SSL_SESSION* session, const Verdict& verdict) {
  if (session == nullptr || SSL_SESSION_is_resumable(session) != 1) return;
  const int len = i2d_SSL_SESSION(session, nullptr);
  if (len <= 0 || static_cast<size_t>(len) > kMaxSessionBytes) return;
  Slot slot;
  slot.der.resize(static_cast<size_t>(len));
  auto* p = reinterpret_cast<unsigned char*>(slot.der.data());
  if (i2d_SSL_SESSION(session, &p) != len) return;
  slot.verdict = verdict;

  auto found = index_.find(key);
  Lru::iterator origin;
  if (found == index_.end()) {
    lru_.push_front(Origin{std::string(key), {}});
    origin = lru_.begin();
    index_.emplace(std::string_view(origin->key), origin);
    bytes_ += origin->key.size();
  } else {
    origin = found->second;
    lru_.splice(lru_.begin(), lru_, origin);
  }
  bytes_ += slot.der.size();
  origin->slots.push_back(std::move(slot));
  if (origin->slots.size() > kMaxSessionsPerOrigin) DropSlot(origin, 0);
  // Never the origin just stored into: it is at the front, and one session is far below kMaxBytes.
  while (bytes_ > kMaxBytes && std::prev(lru_.end()) != lru_.begin()) DropOrigin(std::prev(lru_.end()));
}

SSL_SESSION* TlsSessionCache::Take(std::string_view key, bool require_verified, Verdict* verdict) {
  auto found = index_.find(key);
  if (found == index_.end()) return nullptr;
  Lru::iterator origin = found->second;
  const time_t now = std::time(nullptr);
  for (size_t i = origin->slots.size(); i-- > 0;) {
    const Slot& slot = origin->slots[i];
    if (require_verified && !slot.verdict.verified) continue;
    const auto* p = reinterpret_cast<const unsigned char*>(slot.der.data());
    SSL_SESSION* session = d2i_SSL_SESSION(nullptr, &p, static_cast<long>(slot.der.size()));
    if (session == nullptr || Expired(session, now) || SSL_SESSION_is_resumable(session) != 1) {
      SSL_SESSION_free(session);
      DropSlot(origin, i);
      if (origin->slots.empty()) {
        DropOrigin(origin);
        return nullptr;
      }
      continue;
    }
    *verdict = slot.verdict;
    lru_.splice(lru_.begin(), lru_, origin);
    return session;
  }
  return nullptr;
}

void TlsSessionCache::DropSlot(Lru::iterator origin, size_t slot) {
  bytes_ -= origin->slots[slot].der.size();
  origin->slots.erase(origin->slots.begin() + static_cast<std::ptrdiff_t>(slot));
}

void TlsSessionCache::DropOrigin(Lru::iterator origin) {
  for (const Slot& slot : origin->slots) bytes_ -= slot.der.size();
  bytes_ -= origin->key.size();
  index_.erase(std::string_view(origin->key));
  lru_.erase(origin);
}

}  // namespace urlsweep
