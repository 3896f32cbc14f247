#include "scanner/idle_pool.h"

#include <functional>

#include "absl/strings/str_cat.h"

namespace urlsweep {

void IdlePool::KeyFor(const Target& target, const ProxySpec* proxy, std::string* out) {
  out->clear();
  // A connection the proxy authenticated (NTLM authenticates the connection; a SOCKS5 tunnel was opened
  // with its username) serves only the same credentials: the user and a hash of the password (the key
  // never leaves this process).
  auto credentials = [&] {
    if (!proxy->has_credentials) return;
    out->push_back('|');
    out->append(proxy->user);
    out->push_back('|');
    absl::StrAppend(out, std::hash<std::string>{}(proxy->password));
  };
  if (proxy != nullptr && (proxy->kind == ProxyKind::kSocks5 || proxy->kind == ProxyKind::kSocks5h)) {
    // A SOCKS5 connection is a tunnel to one origin, for one scheme.
    out->append(proxy->kind == ProxyKind::kSocks5 ? "5|" : "5h|");
    out->append(proxy->host);
    out->push_back('|');
    absl::StrAppend(out, proxy->port);
    credentials();
    out->append(target.https ? "|s|" : "|h|");
  } else if (proxy != nullptr) {
    // Plain http through a proxy: any origin may share a connection to the proxy. https: one tunnel per
    // origin.
    out->append(target.https ? "T" : "P");
    out->append(proxy->kind == ProxyKind::kHttps ? "s|" : "|");
    out->append(proxy->host);
    out->push_back('|');
    absl::StrAppend(out, proxy->port);
    credentials();
    if (!target.https) return;
    out->push_back('|');
  } else {
    out->append(target.https ? "s|" : "h|");
  }
  out->append(target.host);
  out->push_back('|');
  absl::StrAppend(out, target.port);
}

Connection* IdlePool::Take(std::string_view key) {
  if (count_ == 0) return nullptr;
  auto it = map_.find(key);
  if (it == map_.end()) return nullptr;
  Connection* conn = it->second;
  // Skip connections with request bytes still unsent (see Connection::has_unsent_bytes()).
  while (conn != nullptr && conn->has_unsent_bytes()) conn = conn->next;
  if (conn == nullptr) return nullptr;
  Unlink(it, conn);
  conn->Detach();
  return conn;
}

void IdlePool::Unlink(Map::iterator it, Connection* conn) {
  if (conn->next != nullptr) conn->next->prev = conn->prev;
  if (conn->prev != nullptr) {
    conn->prev->next = conn->next;
  } else {
    // The entry's key views the head's own key: it follows the new head, or goes with the last one.
    Connection* next = conn->next;
    map_.erase(it);
    if (next != nullptr) map_.emplace(std::string_view(next->key()), next);
  }
  conn->next = conn->prev = nullptr;
  UnlinkFromUse(conn);
  --count_;
}

void IdlePool::UnlinkFromUse(Connection* conn) {
  if (conn->idle_newer != nullptr) {
    conn->idle_newer->idle_older = conn->idle_older;
  } else if (newest_ == conn) {
    newest_ = conn->idle_older;
  }
  if (conn->idle_older != nullptr) {
    conn->idle_older->idle_newer = conn->idle_newer;
  } else if (oldest_ == conn) {
    oldest_ = conn->idle_newer;
  }
  conn->idle_newer = conn->idle_older = nullptr;
}

void IdlePool::Put(Connection* conn, uint64_t now_ns) {
  // The newest connection heads its key's list, and the entry's key views the head's own key.
  auto it = map_.find(std::string_view(conn->key()));
  Connection* head = nullptr;
  if (it != map_.end()) {
    head = it->second;
    map_.erase(it);
  }
  conn->prev = nullptr;
  conn->next = head;
  if (head != nullptr) head->prev = conn;
  map_.emplace(std::string_view(conn->key()), conn);
  conn->idle_older = newest_;
  conn->idle_newer = nullptr;
  if (newest_ != nullptr) {
    newest_->idle_newer = conn;
  } else {
    oldest_ = conn;
  }
  newest_ = conn;
  ++count_;
  conn->idle_since_ns = now_ns;
  conn->Attach(this);
}

void IdlePool::Drop(Connection* conn) {
  auto it = map_.find(std::string_view(conn->key()));
  if (it != map_.end()) {
    Unlink(it, conn);
  } else {
    conn->next = conn->prev = nullptr;
    UnlinkFromUse(conn);
  }
  conn->Close();
}

void IdlePool::DropOne() {
  if (oldest_ != nullptr) Drop(oldest_);
}

void IdlePool::CloseOlderThan(uint64_t now_ns, uint64_t max_idle_ns) {
  // Parked in time order: the old ones are the first ones. Idle times come from one monotonic clock.
  while (oldest_ != nullptr && now_ns - oldest_->idle_since_ns >= max_idle_ns) Drop(oldest_);
}

}  // namespace urlsweep
