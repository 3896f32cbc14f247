// IdlePool: one loop's keep-alive connections waiting for their next request, by connection key (same
// scheme, host and port, and the same proxy). It owns them while they wait: any byte, EOF or error from
// an idle connection closes it (a server may close or answer nothing on an idle connection, RFC 9112
// section 9.3.1).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "core/options.h"
#include "scanner/connection.h"
#include "scanner/url.h"

namespace urlsweep {

class IdlePool final : public ConnectionOwner {
 public:
  IdlePool() = default;
  IdlePool(const IdlePool&) = delete;
  IdlePool& operator=(const IdlePool&) = delete;

  // The key of a connection for `target` (through `proxy`, nullptr when direct): equal keys may be reused
  // for one another. Same scheme, host and port; through a proxy, plain http shares any connection to
  // the proxy and https has one tunnel per origin.
  static void KeyFor(const Target& target, const ProxySpec* proxy, std::string* out);

  // Takes the most recent idle connection under `key` with no request bytes still unsent, detached and
  // ready to be attached to a task; nullptr when there is none.
  Connection* Take(std::string_view key);
  // Parks `conn` (detached from its task) as the newest under its key, idle since `now_ns`.
  void Put(Connection* conn, uint64_t now_ns);
  // Takes `conn` out of the pool and closes it.
  void Drop(Connection* conn);
  // Closes the idle connection that has waited longest, whatever its key (to make room at the
  // descriptor budget): when the hosts in rotation outnumber the connections allowed, the ones used
  // recently are the ones most likely to be asked for again.
  void DropOne();
  // Closes every connection idle for at least `max_idle_ns` (all of them with 0).
  void CloseOlderThan(uint64_t now_ns, uint64_t max_idle_ns);
  int size() const { return count_; }

  // ConnectionOwner: an idle connection is only ever closed by what it reports.
  void OnConnected(Connection*, int) override {}
  void OnHandshakeDone(Connection*, const ErrorInfo*) override {}
  void OnWritten(Connection* conn, int) override { Drop(conn); }
  void OnData(Connection* conn, const char*, size_t) override { Drop(conn); }
  void OnEof(Connection* conn, bool) override { Drop(conn); }
  void OnReadError(Connection* conn, const ErrorInfo&) override { Drop(conn); }

 private:
  using Map = absl::flat_hash_map<std::string_view, Connection*>;
  // Takes `conn` out of the list of entry `it`, and out of the order of use.
  void Unlink(Map::iterator it, Connection* conn);
  void UnlinkFromUse(Connection* conn);

  // Idle connections by key, each list most recent first. A key views its head connection's own key
  // string (Connection::key()), so parking a connection never allocates a copy of it, also for keys
  // longer than the short-string buffer (15 bytes: "h|example.com|80" is 16).
  Map map_;
  // Every idle connection, whatever its key, by the time it was parked: oldest_ first (DropOne,
  // CloseOlderThan), newest_ last.
  Connection* oldest_ = nullptr;
  Connection* newest_ = nullptr;
  int count_ = 0;
};

}  // namespace urlsweep
