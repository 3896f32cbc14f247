#include "scanner/h2_connection.h"

#include <algorithm>

#include "core/error_map.h"
#include "scanner/task.h"

namespace urlsweep {

bool H2Connection::Adopt(Connection* conn) {
  if (!session_.Start()) return false;
  conn_ = conn;
  conn->Attach(this);
  state_ = State::kOpen;
  failed_ = false;
  lost_ = {};
  idle_since_ns_ = pool_->now_ns_;
  // Under TLS reading began with the handshake; a plain prior-knowledge connection starts it here.
  if (conn->StartReading() != 0) {
    conn->Detach();
    conn_ = nullptr;
    session_.End();
    state_ = State::kPending;
    return false;
  }
  // The preface and our SETTINGS go out now, before the first request (RFC 9113 section 3.4).
  Flush();
  return true;
}

int32_t H2Connection::Submit(const RequestSpec& spec, std::string_view scheme, Task* task) {
  if (failed_ || state_ != State::kOpen) return 0;
  const int32_t id = session_.Submit(spec, scheme, task);
  if (id != 0) Flush();
  return id;
}

void H2Connection::CancelStream(Task* task) {
  session_.Cancel(task);
  if (state_ != State::kOpen || failed_) return;
  Flush();
  if (!in_session_) Settle();
}

void H2Connection::AddWaiter(Task* task) {
  task->h2_next_ = nullptr;
  if (waiters_tail_ != nullptr) {
    waiters_tail_->h2_next_ = task;
  } else {
    waiters_head_ = task;
  }
  waiters_tail_ = task;
}

void H2Connection::RemoveWaiter(Task* task) {
  Task* prev = nullptr;
  for (Task* t = waiters_head_; t != nullptr; prev = t, t = t->h2_next_) {
    if (t != task) continue;
    if (prev != nullptr) {
      prev->h2_next_ = t->h2_next_;
    } else {
      waiters_head_ = t->h2_next_;
    }
    if (waiters_tail_ == t) waiters_tail_ = prev;
    t->h2_next_ = nullptr;
    return;
  }
}

void H2Connection::Flush() {
  if (conn_ == nullptr || failed_) return;
  if (in_session_) {
    flush_again_ = true;
    return;
  }
  in_session_ = true;
  uint32_t code = 0;
  bool ok = true;
  do {
    flush_again_ = false;
    ok = session_.TakeOutput(&out_, &code);  // may call streams back (closed after a RST_STREAM sent)
  } while (ok && flush_again_);
  in_session_ = false;
  if (!out_.empty() && conn_ != nullptr) {
    const int rc = conn_->Write(out_);
    out_.clear();
    if (rc != 0) {
      ErrorInfo e = conn_->WriteError(rc);
      Fail({ErrorCode::kReadReset, e.detail}, H2StreamEnd::kConnectionLost, 0);
      return;
    }
  }
  if (!ok) {
    Fail(FromH2ProtocolError(code), H2StreamEnd::kProtocolError, code);
    return;
  }
  if (close_requested_) Settle();  // nothing may follow
}

void H2Connection::OnData(Connection*, const char* data, size_t len) {
  pool_->now_ns_ = uv_hrtime();
  in_session_ = true;
  bool failed = false;
  const uint32_t code = session_.Receive(data, len, &failed);
  in_session_ = false;
  if (failed) {
    Fail(FromH2ProtocolError(code), H2StreamEnd::kProtocolError, code);
    return;
  }
  if (session_.goaway_received()) pool_->Unregister(this);
  Flush();
  Settle();
}

void H2Connection::OnEof(Connection*, bool) {
  Lost({ErrorCode::kReadReset, "connection closed before the response was complete"});
}

void H2Connection::OnReadError(Connection*, const ErrorInfo& error) { Lost(error); }

void H2Connection::OnWritten(Connection*, int status) { Lost(FromUvError(status, IoStage::kRead)); }

void H2Connection::Lost(const ErrorInfo& error) {
  // A GOAWAY with an error code said why the server ends the connection: that code is the open streams'
  // error (docs/errors.md: the code received), however the connection then ended (a close, or a reset when
  // our last frames reached a closed socket). Otherwise the streams were cut short: read_reset.
  if (session_.goaway_received() && session_.goaway_code() != 0) {
    Fail(FromH2ProtocolError(session_.goaway_code()), H2StreamEnd::kProtocolError, session_.goaway_code());
    return;
  }
  Fail(error, H2StreamEnd::kConnectionLost, 0);
}

void H2Connection::Fail(const ErrorInfo& error, H2StreamEnd end, uint32_t code) {
  if (failed_) return;
  failed_ = true;
  lost_ = error;
  pool_->Unregister(this);
  // What the session still has to say (our GOAWAY naming the violation) goes out before the close.
  if (conn_ != nullptr && !in_session_) {
    uint32_t ignored = 0;
    in_session_ = true;
    session_.TakeOutput(&out_, &ignored);
    in_session_ = false;
    if (!out_.empty()) conn_->Write(out_);
    out_.clear();
  }
  const bool was_in_session = in_session_;
  in_session_ = true;
  session_.FailAll(end, code);  // each task reports or retries; none attaches here (unregistered)
  in_session_ = was_in_session;
  if (!in_session_) Settle();
}

void H2Connection::Settle() {
  if (state_ != State::kOpen || in_session_) return;
  if (close_requested_) {
    pool_->Release(this);  // nothing may follow
    return;
  }
  if (flush_again_ && !failed_) Flush();
  if (session_.open_streams() > 0) return;
  if (failed_ || !session_.alive() || !session_.accepting() || !registered_) {
    pool_->Release(this);  // nothing may follow
    return;
  }
  idle_since_ns_ = pool_->now_ns_;
}

H2Pool::~H2Pool() = default;

H2Connection* H2Pool::Acquire() {
  H2Connection* h = free_;
  if (h != nullptr) {
    free_ = h->next_free_;
  } else {
    all_.push_back(std::make_unique<H2Connection>(this));
    h = all_.back().get();
  }
  h->next_free_ = nullptr;
  h->failed_ = false;
  h->close_requested_ = false;
  h->flush_again_ = false;
  h->in_session_ = false;
  h->registered_ = false;
  h->conn_ = nullptr;
  h->waiters_head_ = h->waiters_tail_ = nullptr;
  h->lost_ = {};
  h->live_index_ = live_.size();
  live_.push_back(h);
  ++open_;
  return h;
}

void H2Pool::Release(H2Connection* h) {
  Unregister(h);
  if (h->conn_ != nullptr) {
    Connection* c = h->conn_;
    h->conn_ = nullptr;
    c->Close();
  }
  h->session_.End();
  h->state_ = H2Connection::State::kFree;
  h->out_.clear();
  // Swap-remove: the last one takes its place.
  live_[h->live_index_] = live_.back();
  live_[h->live_index_]->live_index_ = h->live_index_;
  live_.pop_back();
  --open_;
  h->next_free_ = free_;
  free_ = h;
}

void H2Pool::Unregister(H2Connection* h) {
  if (!h->registered_) return;
  h->registered_ = false;
  auto it = by_key_.find(std::string_view(h->key_));
  if (it != by_key_.end() && it->second == h) by_key_.erase(it);
}

H2Connection* H2Pool::Find(std::string_view key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return nullptr;
  H2Connection* h = it->second;
  if (h->state_ == H2Connection::State::kPending || h->accepting()) return h;
  return nullptr;
}

H2Connection* H2Pool::OpenPending(std::string_view key) {
  H2Connection* h = Acquire();
  h->state_ = H2Connection::State::kPending;
  h->key_.assign(key);
  auto [it, inserted] = by_key_.try_emplace(std::string_view(h->key_), h);
  if (!inserted) {
    // The previous holder of the key keeps its streams but takes no new ones.
    it->second->registered_ = false;
    by_key_.erase(it);
    by_key_.emplace(std::string_view(h->key_), h);
  }
  h->registered_ = true;
  return h;
}

H2Connection* H2Pool::OpenUnled(std::string_view key) {
  H2Connection* h = Acquire();
  h->state_ = H2Connection::State::kPending;
  h->key_.assign(key);
  auto [it, inserted] = by_key_.try_emplace(std::string_view(h->key_), h);
  h->registered_ = inserted;
  return h;
}

void H2Pool::EndPending(H2Connection* h) {
  Unregister(h);
  Task* waiters = h->waiters_head_;
  h->waiters_head_ = h->waiters_tail_ = nullptr;
  Release(h);
  // Each waiter goes on as if it had never waited; none can find this connection any more.
  while (waiters != nullptr) {
    Task* next = waiters->h2_next_;
    waiters->h2_next_ = nullptr;
    waiters->H2WaitEnded();
    waiters = next;
  }
}

void H2Pool::MarkHttp1(std::string_view key) {
  if (http1_.size() >= kMaxHttp1Origins) http1_.clear();
  http1_.emplace(key.data(), key.size());
}

void H2Pool::CloseIdle(uint64_t now_ns, uint64_t max_idle_ns) {
  now_ns_ = now_ns;
  for (size_t i = 0; i < live_.size();) {
    H2Connection* h = live_[i];
    if (h->state_ == H2Connection::State::kOpen && !h->in_session_ && h->session_.open_streams() == 0 &&
        now_ns - h->idle_since_ns_ >= max_idle_ns) {
      Release(h);  // takes it out of live_
      continue;
    }
    ++i;
  }
}

void H2Pool::CloseAll() {
  for (size_t i = live_.size(); i-- > 0;) {
    H2Connection* h = live_[i];
    h->waiters_head_ = h->waiters_tail_ = nullptr;
    if (h->in_session_) {
      // The loop stopped from inside this connection's own session call (the last row finished
      // there): nghttp2's session may not be freed under its feet. It closes when the call returns.
      Unregister(h);
      h->close_requested_ = true;
      continue;
    }
    Release(h);  // End() forgets the streams without callbacks
  }
}

}  // namespace urlsweep
