// TlsHandshakeGate: when a loop's connections begin their TLS handshakes. It bounds the handshakes in
// progress at once, and lets the connections that would all open an origin's first TLS session at the
// same moment wait for the first one's session, so that they resume it instead of each paying a full
// handshake. It also owns the loop's TlsSessionCache.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/container/node_hash_map.h"
#include "http/tls_session_cache.h"

namespace urlsweep {

class Connection;

class TlsHandshakeGate {
 public:
  // A full handshake in progress holds about 43 KB of OpenSSL state (the SSL, its 21.8 KB handshake
  // message buffer, the buffering BIO), about 16 KB more than the established connection it becomes
  // (bench/README.md, S7); thousands of them at once set a scan's peak memory. 256 in progress keep a
  // loop's core busy (about 1,300 full handshakes per CPU-second) while each waits up to 200 ms for
  // its server, and hold at most 11 MB of handshake state per loop. The rest wait their turn, inside
  // their --connect-timeout.
  static constexpr int kMaxInProgress = 256;
  // Origins whose first handshake left no session to resume: their next connections do not wait for
  // one. Forgotten all at once past this many (a few hundred KB): waiting again costs one round trip.
  static constexpr size_t kMaxNonResumingOrigins = 8192;

  TlsHandshakeGate() = default;
  TlsHandshakeGate(const TlsHandshakeGate&) = delete;
  TlsHandshakeGate& operator=(const TlsHandshakeGate&) = delete;

  TlsSessionCache& sessions() { return sessions_; }

  // `conn` (its TLS origin set) wants to begin its handshake: it begins now, inside this call, when a
  // slot is free and it has no origin's first session to wait for; otherwise later, from Pump().
  void Request(Connection* conn);
  // Its handshake ended (done or failed): the slot is free. A leader whose session is already cached
  // (TLS 1.2: issued in the handshake) lets its followers go.
  void HandshakeEnded(Connection* conn);
  // A leader read after its handshake (a TLS 1.3 ticket comes before the response, or never): its
  // followers go, resuming when a ticket came.
  void ReleaseFollowers(Connection* conn);
  // `conn` is closing: it leaves whatever it waited in, and its slot and followers are freed.
  void Forget(Connection* conn);
  // Begins waiting handshakes while slots are free. Called where no other connection's callback is on
  // the stack (a close callback, a finished handshake).
  void Pump();
  // The loop's periodic tick (every 100 ms): followers of a leader whose handshake ended at an earlier
  // tick go, session or not. A TLS 1.3 server that sends no ticket and delays its response would
  // otherwise hold them until that response, eating into their --connect-timeout.
  void Tick();

  int in_progress() const { return in_progress_; }

 private:
  struct Lead {
    Connection* leader = nullptr;
    std::vector<Connection*> followers;
    bool handshake_ended = false;  // the leader's handshake ended at tick `ended_tick`
    uint64_t ended_tick = 0;
  };

  void Begin(Connection* conn);
  void PushReady(Connection* conn);
  void UnlinkReady(Connection* conn);
  // Remembers that `origin` left no session to resume (bounded).
  void NoteNonResuming(const std::string& origin);
  // Moves the lead's followers to the ready queue and forgets the lead.
  void Disband(absl::node_hash_map<std::string, Lead>::iterator lead);

  TlsSessionCache sessions_;
  int in_progress_ = 0;
  bool pumping_ = false;
  uint64_t ticks_ = 0;
  // Connections waiting only for a slot, first come first served (linked through Connection::next/prev,
  // free while a connection is neither idle nor in the free list).
  Connection* ready_head_ = nullptr;
  Connection* ready_tail_ = nullptr;
  // Origins whose first handshake is in progress, with the connections waiting for its session.
  absl::node_hash_map<std::string, Lead> leads_;
  absl::flat_hash_set<std::string> non_resuming_;
};

}  // namespace urlsweep
