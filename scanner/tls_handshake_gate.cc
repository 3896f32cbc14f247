#include "scanner/tls_handshake_gate.h"

#include <algorithm>

#include "scanner/connection.h"

namespace urlsweep {


void TlsHandshakeGate::Request(Connection* conn) {
  Connection::TlsState& tls = *conn->tls_;
  tls.leading = false;
  const std::string& origin = tls.origin;
  // Nothing to resume yet: the first connection to the origin leads, and the others it meets wait for
  // its session rather than each making one of their own.
  if (!sessions_.Has(origin) && !non_resuming_.contains(origin)) {
    auto [it, inserted] = leads_.try_emplace(origin);
    if (!inserted) {
      it->second.followers.push_back(conn);
      tls.gate = Connection::TlsState::Gate::kFollowing;
      return;
    }
    it->second.leader = conn;
    tls.leading = true;
  }
  if (in_progress_ < kMaxInProgress && ready_head_ == nullptr) {
    Begin(conn);  // may call the owner back, as a handshake that fails at once does
    return;
  }
  PushReady(conn);
}

void TlsHandshakeGate::Begin(Connection* conn) {
  conn->tls_->gate = Connection::TlsState::Gate::kInProgress;
  ++in_progress_;
  conn->BeginTls();
}

void TlsHandshakeGate::HandshakeEnded(Connection* conn) {
  Connection::TlsState& tls = *conn->tls_;
  if (tls.gate == Connection::TlsState::Gate::kInProgress) {
    tls.gate = Connection::TlsState::Gate::kNone;
    --in_progress_;
  }
  if (tls.leading) {
    if (sessions_.Has(tls.origin)) {
      ReleaseFollowers(conn);
    } else if (auto it = leads_.find(tls.origin); it != leads_.end()) {
      it->second.handshake_ended = true;
      it->second.ended_tick = ticks_;
    }
  }
  Pump();
}

void TlsHandshakeGate::Tick() {
  ++ticks_;
  for (auto it = leads_.begin(); it != leads_.end();) {
    auto here = it++;
    if (!here->second.handshake_ended || here->second.ended_tick + 1 >= ticks_) continue;
    here->second.leader->tls_->leading = false;
    NoteNonResuming(here->first);
    Disband(here);
  }
  Pump();
}

void TlsHandshakeGate::NoteNonResuming(const std::string& origin) {
  if (sessions_.Has(origin)) return;
  if (non_resuming_.size() >= kMaxNonResumingOrigins) non_resuming_.clear();
  non_resuming_.insert(origin);
}

void TlsHandshakeGate::Disband(absl::node_hash_map<std::string, Lead>::iterator lead) {
  for (Connection* follower : lead->second.followers) PushReady(follower);
  leads_.erase(lead);
}

void TlsHandshakeGate::ReleaseFollowers(Connection* conn) {
  Connection::TlsState& tls = *conn->tls_;
  if (!tls.leading) return;
  tls.leading = false;
  auto it = leads_.find(tls.origin);
  if (it == leads_.end()) return;
  NoteNonResuming(tls.origin);
  Disband(it);
}

void TlsHandshakeGate::Forget(Connection* conn) {
  Connection::TlsState& tls = *conn->tls_;
  switch (tls.gate) {
    case Connection::TlsState::Gate::kReady:
      UnlinkReady(conn);
      break;
    case Connection::TlsState::Gate::kFollowing:
      if (auto it = leads_.find(tls.origin); it != leads_.end()) {
        auto& f = it->second.followers;
        f.erase(std::remove(f.begin(), f.end(), conn), f.end());
      }
      break;
    case Connection::TlsState::Gate::kInProgress:
      --in_progress_;
      break;
    case Connection::TlsState::Gate::kNone:
      break;
  }
  tls.gate = Connection::TlsState::Gate::kNone;
  // A leader gone before its session came: its followers no longer wait (Pump starts them).
  if (tls.leading) {
    tls.leading = false;
    if (auto it = leads_.find(tls.origin); it != leads_.end()) Disband(it);
  }
}

void TlsHandshakeGate::Pump() {
  // A handshake begun here may fail at once and close its connection, which comes back through
  // Forget(); the loop re-reads the queue each time.
  if (pumping_) return;
  pumping_ = true;
  while (in_progress_ < kMaxInProgress && ready_head_ != nullptr) {
    Connection* conn = ready_head_;
    UnlinkReady(conn);
    Begin(conn);
  }
  pumping_ = false;
}

void TlsHandshakeGate::PushReady(Connection* conn) {
  conn->tls_->gate = Connection::TlsState::Gate::kReady;
  conn->next = nullptr;
  conn->prev = ready_tail_;
  if (ready_tail_ != nullptr) {
    ready_tail_->next = conn;
  } else {
    ready_head_ = conn;
  }
  ready_tail_ = conn;
}

void TlsHandshakeGate::UnlinkReady(Connection* conn) {
  if (conn->prev != nullptr) {
    conn->prev->next = conn->next;
  } else {
    ready_head_ = conn->next;
  }
  if (conn->next != nullptr) {
    conn->next->prev = conn->prev;
  } else {
    ready_tail_ = conn->prev;
  }
  conn->next = conn->prev = nullptr;
  conn->tls_->gate = Connection::TlsState::Gate::kNone;
}

}  // namespace urlsweep
