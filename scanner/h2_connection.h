// H2Connection: one HTTP/2 connection that the tasks of one origin share, each task a stream on it; and
// H2Pool, one loop's HTTP/2 connections by connection key (IdlePool::KeyFor).
//
// How a host's URLs come to share one connection: the first task to an origin that may speak HTTP/2
// (https with --http2, or http with --http2-prior-knowledge) leads: the pool holds a pending
// H2Connection under the key while the leader resolves, connects and shakes hands, and the tasks of the
// same origin that start meanwhile wait on it instead of opening connections of their own. When ALPN
// agrees on h2 (or at once, with prior knowledge) the H2Connection adopts the leader's Connection, and
// the leader and every waiter become streams on it; later tasks attach to it directly. When the server
// chose HTTP/1.1 the origin is remembered as such (H2Pool::MarkHttp1) and the waiters go on alone, as
// HTTP/1.1 tasks with keep-alive. How many streams are open at once is bounded by the per-host gate
// (--per-host turns per host) and by the server's SETTINGS_MAX_CONCURRENT_STREAMS (nghttp2 holds
// further requests back until a stream closes).
//
// Lifetime: an H2Connection is the ConnectionOwner of its Connection. It closes when it fails, or once
// it has no stream left and either the server sent GOAWAY or it stayed idle for the keep-alive time.
// A connection that fails ends every open stream (read_reset, or bad_response with the HTTP/2 error
// name) before it closes: no stream is ever lost silently. Objects are pooled per loop and reused.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"
#include "core/errors.h"
#include "http/h2_session.h"
#include "http/request.h"
#include "scanner/connection.h"

namespace urlsweep {

class Task;
class H2Pool;

class H2Connection final : public ConnectionOwner {
 public:
  enum class State : uint8_t { kFree, kPending, kOpen };

  explicit H2Connection(H2Pool* pool) : pool_(pool) {}
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  State state() const { return state_; }
  // New streams may be attached: open, registered under its key, and no GOAWAY either way.
  bool accepting() const { return state_ == State::kOpen && registered_ && session_.accepting(); }
  Connection* connection() const { return conn_; }
  const std::string& key() const { return key_; }
  const ErrorInfo& lost_error() const { return lost_; }

  // Takes over `conn` (connected, TLS done when https) and starts the session. False when nghttp2 could
  // not allocate: the caller keeps `conn`.
  bool Adopt(Connection* conn);
  // Opens a stream for `task`'s request and sends it; 0 when the session takes no more streams.
  int32_t Submit(const RequestSpec& spec, std::string_view scheme, Task* task);
  // `task` lets go of its stream (RST_STREAM CANCEL if it is still open).
  void CancelStream(Task* task);

  // While pending: tasks waiting for the leader's connection, in arrival order.
  void AddWaiter(Task* task);
  void RemoveWaiter(Task* task);
  // Takes the whole list of waiters (linked through Task::h2_next_), leaving none.
  Task* TakeWaiters() {
    Task* head = waiters_head_;
    waiters_head_ = waiters_tail_ = nullptr;
    return head;
  }

  // ConnectionOwner.
  void OnConnected(Connection*, int) override {}
  void OnHandshakeDone(Connection*, const ErrorInfo*) override {}
  void OnWritten(Connection* conn, int status) override;
  void OnData(Connection* conn, const char* data, size_t len) override;
  void OnEof(Connection* conn, bool unclean) override;
  void OnReadError(Connection* conn, const ErrorInfo& error) override;

 private:
  friend class H2Pool;
  // Sends what the session wants sent. Inside a session call it only notes that more is to send.
  void Flush();
  // The connection ended (closed, reset, a failed write) with streams perhaps open.
  void Lost(const ErrorInfo& error);
  // The connection is gone or in violation: every open stream ends with `error`, then it closes.
  void Fail(const ErrorInfo& error, H2StreamEnd end, uint32_t code);
  // After a session call returned: pending sends, and closing when nothing is left to do.
  void Settle();

  H2Pool* pool_;
  State state_ = State::kFree;
  bool registered_ = false;  // the pool finds it under key_
  bool in_session_ = false;  // inside a session call (STYLE rule 5): no Receive/TakeOutput/close now
  bool flush_again_ = false;
  bool failed_ = false;
  bool close_requested_ = false;  // CloseAll() came inside a session call: close once it returns
  Connection* conn_ = nullptr;
  H2Session session_;
  std::string key_;
  std::string out_;  // bytes taken from the session, handed to Connection::Write at once
  ErrorInfo lost_;
  Task* waiters_head_ = nullptr;
  Task* waiters_tail_ = nullptr;
  uint64_t idle_since_ns_ = 0;
  size_t live_index_ = 0;  // where it stands in H2Pool::live_
  H2Connection* next_free_ = nullptr;
};

class H2Pool {
 public:
  H2Pool() = default;
  ~H2Pool();
  H2Pool(const H2Pool&) = delete;
  H2Pool& operator=(const H2Pool&) = delete;

  // The loop's clock (for idle times), set by the Worker before each use.
  void set_now(uint64_t now_ns) { now_ns_ = now_ns; }

  // The connection registered under `key` (pending or open and accepting), or nullptr.
  H2Connection* Find(std::string_view key);
  // A pending connection under `key`, registered, for a leader that is about to connect.
  H2Connection* OpenPending(std::string_view key);
  // A connection for a task whose fresh connection agreed on h2 without leading a pending one: it is
  // registered when no other connection is under `key`.
  H2Connection* OpenUnled(std::string_view key);
  // A pending connection's leader gave up (its attempt failed, or the server chose HTTP/1.1): the
  // waiters go on alone, and the object is freed.
  void EndPending(H2Connection* h);
  // The origin under `key` answered ALPN with HTTP/1.1 (or nothing): its tasks no longer wait for a
  // leader. At most kMaxHttp1Origins are remembered, then forgotten all at once.
  void MarkHttp1(std::string_view key);
  bool KnownHttp1(std::string_view key) const { return http1_.contains(absl::string_view(key.data(), key.size())); }
  // Closes connections without streams idle for `max_idle_ns` (all idle ones with 0).
  void CloseIdle(uint64_t now_ns, uint64_t max_idle_ns);
  // Closes every connection now, without a callback to any task (the loop is stopping; the Worker has
  // let go of every task).
  void CloseAll();
  int open() const { return open_; }

 private:
  friend class H2Connection;
  static constexpr size_t kMaxHttp1Origins = 8192;

  H2Connection* Acquire();
  void Release(H2Connection* h);
  void Unregister(H2Connection* h);

  // Keys view the registered connection's own key_ (as IdlePool's do): registering allocates no copy.
  absl::flat_hash_map<std::string_view, H2Connection*> by_key_;
  absl::flat_hash_set<std::string> http1_;
  std::vector<std::unique_ptr<H2Connection>> all_;
  std::vector<H2Connection*> live_;  // open or pending, for CloseIdle and CloseAll (H2Connection::live_index_)
  H2Connection* free_ = nullptr;
  uint64_t now_ns_ = 0;
  int open_ = 0;
};

}  // namespace urlsweep
