// Worker: one libuv loop on one thread, scanning the URLs routed to it. It owns a fixed pool of Tasks (one
// per request it may have in flight), the per-host gates, the rate limiter, the keep-alive pool of idle
// connections, one DNS resolver and one read buffer.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/status/status.h"
#include "dns/resolver.h"
#include "http/response_parser.h"
#include "http/tls_context.h"
#include "scanner/config.h"
#include "scanner/connection.h"
#include "scanner/exclude_list.h"
#include "core/ip_address.h"
#include "scanner/pipeline.h"
#include "core/row.h"
#include "scanner/stats.h"
#include "scanner/url.h"

namespace urlsweep {

class Worker;
struct HostGate;

// One URL from its first attempt to its row: DNS, connect, request, response, retries and redirects. There
// is one per request a loop may have in flight (--concurrency), so its fixed size is most of what a
// request in flight costs (issue 5: 4 KiB in all): what is needed only for a moment (request bytes,
// redirect parsing, credentials) lives once per loop in the Worker instead.
class Task final : public ConnectionOwner {
 public:
  enum class Stage : uint8_t { kFree, kQueued, kDns, kConnect, kProxyConnect, kTls, kRead, kBackoff };

  Task() : dns_request_(&Task::OnResolved) {}
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  void OnConnected(Connection* conn, int status) override;
  void OnHandshakeDone(Connection* conn, const ErrorInfo* error) override;
  void OnWritten(Connection* conn, int status) override;
  void OnData(Connection* conn, const char* data, size_t len) override;
  void OnEof(Connection* conn, bool unclean) override;
  void OnReadError(Connection* conn, const ErrorInfo& error) override;

 private:
  friend class Worker;
  static void OnResolved(Resolver::Request* request, const DnsResult& result);
  static void OnTimer(uv_timer_t* timer);

  void StartAttempt();
  void StartConnect();
  // Takes an idle keep-alive connection to this attempt's origin, if there is one and the attempt may
  // reuse one, and sends the request on it.
  bool ReuseIdle();
  void TryNextAddress();
  // Proxy tunnel for https through an HTTP proxy: CONNECT, then TLS inside.
  void SendConnect();
  void OnConnectResponse(ResponseParser::State state);
  void StartTls();
  void SendRequest();
  void SetPeerColumns(const SocketAddress& addr);
  void SetTlsColumns(const TlsSession& tls);
  // proxy_error with "<what> <proxy host>:<port>: <detail>" (never the credentials).
  void FailProxy(const char* what, const char* detail);
  void ProxyAuthorization(std::string* out) const;
  void OnResponseComplete();
  // Ends the current attempt with `code`; retries when the contract says so, else finishes the row.
  void FailAttempt(ErrorCode code, const char* detail);
  void Finish();
  void ReleaseConnection(bool reusable);
  void ArmTimer();
  void SetStageDeadline(Stage stage, double seconds);
  void FillResponseFields();
  void ResetResponseFields();
  bool FollowRedirect();
  // Reports a failure that happened synchronously inside the call that started the work, on the next loop
  // turn (STYLE rule 6).
  void FailSoon(ErrorCode code, const char* detail);

  // Members are ordered so that the small ones share padding: 10,000 tasks at -c 10000.
  Worker* worker_ = nullptr;
  Row row_;
  Target target_;
  HostGate* gate_ = nullptr;  // the gate of target_.host (or of the previous hop's, until it is left)
  Resolver::Request dns_request_;
  // The addresses of this attempt's endpoint (port applied at connect time), tried in order.
  IpAddress addrs_[kMaxAddresses];
  uint8_t addr_count_ = 0;
  uint8_t addr_index_ = 0;
  bool conn_reused_ = false;
  Connection* conn_ = nullptr;
  // The response of this attempt: here rather than in the Connection, so idle and closing connections
  // do not carry one.
  ResponseParser parser_;
  uv_timer_t timer_;
  uint64_t start_ns_ = 0;           // first attempt start (monotonic)
  uint64_t deadline_total_ns_ = 0;  // --timeout
  uint64_t deadline_stage_ns_ = 0;  // the current stage's budget
  uint64_t stage_start_ns_ = 0;
  uint64_t request_sent_ns_ = 0;
  int retries_used_ = 0;
  bool response_started_ = false;  // a byte of the response arrived in this attempt
  bool request_sent_ = false;      // the request of this attempt was handed to the socket
  bool no_reuse_ = false;          // next attempt must open a fresh connection (a reused one was stale)
  bool fresh_only_ = false;        // this attempt opens a fresh connection (no_reuse_ at its start)
  bool hop_pending_ = false;       // waiting for the host gate of a redirect target
  Stage stage_ = Stage::kFree;
  ErrorCode pending_error_ = ErrorCode::kNone;
  const char* pending_detail_ = "";
  // error_detail text built here; it may wait for the next loop turn (FailSoon), so it is the task's own.
  std::string detail_scratch_;
  const ProxySpec* proxy_ = nullptr;    // the proxy of this attempt, nullptr when direct
  // Normalised URLs fetched in this chain, for redirect_loop. Kept across rows for their capacity.
  std::vector<std::string> visited_;
  size_t visited_count_ = 0;
  // Intrusive FIFO links for the host gate and the rate queue.
  Task* next_waiting_ = nullptr;
};

// Requests in flight to one host, and the tasks waiting for a turn.
struct HostGate {
  // The gate's key in Worker::gates_ (host name, or IP for literals); the map's key views it. Gates are
  // recycled through Worker::free_gates_, and the string keeps its capacity, so a host whose gate empties
  // between its URLs costs no allocation once the loop is warm.
  std::string name;
  const std::string* key = &name;
  int active = 0;
  Task* head = nullptr;
  Task* tail = nullptr;
  // A 429 or 503 with Retry-After holds the host's further requests until then (monotonic ns).
  uint64_t not_before_ns = 0;
};

// Counters the progress thread reads while the loop runs.
struct WorkerCounters {
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> in_flight{0};
};

struct WorkerShared {
  const Config* config = nullptr;
  const TlsContext* tls = nullptr;         // shared by all loops (an SSL_CTX is thread-safe once set up)
  const ExcludeList* exclude = nullptr;    // nullptr without --exclude
  BatchPool<InputBatch>* input_pool = nullptr;
  BatchPool<RowBatch>* row_pool = nullptr;
  BatchQueue<RowBatch>* rows_out = nullptr;
  // When more row batches than this wait for the output thread, loops stop starting URLs until it catches up:
  // memory stays bounded however slow the output is.
  size_t max_queued_row_batches = 64;
};

class Worker final : public ConnectionOwner {
 public:
  Worker(const WorkerShared& shared, int index, int concurrency);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Sets up the loop and its handles; must succeed before Run.
  absl::Status Init();
  // Runs the loop until the input queue is closed and drained and every task has finished.
  void Run();
  // Wakes the loop (from another thread) after a push to input().
  void Wake();
  // From any thread (the signal thread): start no more URLs, give those in flight `grace_ms` to finish,
  // then drop the rest unwritten (a --resume scans them again).
  void RequestStop(uint64_t grace_ms);

  BatchQueue<InputBatch>* input() { return &input_; }
  const WorkerCounters& counters() const { return counters_; }
  const ScanStats& stats() const { return stats_; }
  const Resolver::Stats resolver_stats() const { return resolver_stats_; }

  // ConnectionOwner for idle keep-alive connections: any byte, EOF or error closes them.
  void OnConnected(Connection*, int) override {}
  void OnHandshakeDone(Connection*, const ErrorInfo*) override {}
  void OnWritten(Connection* conn, int) override { DropIdle(conn); }
  void OnData(Connection* conn, const char*, size_t) override { DropIdle(conn); }
  void OnEof(Connection* conn, bool) override { DropIdle(conn); }
  void OnReadError(Connection* conn, const ErrorInfo&) override { DropIdle(conn); }

 private:
  friend class Task;
  using IdleMap = absl::flat_hash_map<std::string_view, Connection*>;

  static void OnWake(uv_async_t* handle);
  static void OnTick(uv_timer_t* handle);
  static void OnRateTimer(uv_timer_t* handle);
  static void OnResolverClosed(void* arg);
  static void OnGraceOver(uv_timer_t* handle);
  // Starts the stop once RequestStop() was called (from the wake-up or the tick).
  void CheckStop();
  void BeginStop();
  void AbortAll();
  // Returns a task that will not produce a row (stopped by a signal) to the free list.
  void ReleaseDropped(Task* task);
  static void OnHandleClosed(uv_handle_t* handle);

  // Starts as many queued URLs as free tasks, the rate and the output allow.
  void Pump();
  bool NextItem(InputItem** item);
  void StartItem(Task* task, InputItem* item);
  // Takes a turn at the gate of task->target_.host, or queues the task there.
  void EnterHostGate(Task* task);
  void LeaveHostGate(Task* task);
  void EraseGate(HostGate* gate);
  // A queued task whose budget ran out leaves the queue without ever holding a turn.
  void RemoveFromHostGate(Task* task);
  // Takes the first task waiting at the gate, or nullptr.
  static Task* PopWaiter(HostGate* gate);
  void StartWhenRateAllows(Task* task);
  // Retry-After: no new request to the task's host before `delay_s` from now (bounded).
  void PauseHost(Task* task, double delay_s);
  // Lets waiters of paused hosts whose time has come proceed (from the tick).
  void ResumePausedHosts();
  bool TakeToken();
  void ArmRateTimer();
  void BeginTask(Task* task);
  void TaskFinished(Task* task);
  void EmitRow(Row* row);
  void FlushRows();
  bool OutputBackedUp() const;
  // Keep-alive pool.
  Connection* TakeIdle(const std::string& key);
  void PutIdle(Connection* conn);
  // Takes `conn` out of the idle list of entry `it`.
  void UnlinkIdle(IdleMap::iterator it, Connection* conn);
  void DropIdle(Connection* conn);
  void DropOneIdle();
  void CloseIdleOlderThan(uint64_t now_ns, uint64_t max_idle_ns);
  void MaybeShutdown();
  uint64_t Now() const { return uv_now_ns_; }
  void UpdateNow() { uv_now_ns_ = uv_hrtime(); }

  WorkerShared shared_;
  const Config& config_;
  int index_;
  uv_loop_t loop_;
  uv_async_t wake_;
  uv_timer_t tick_;
  uv_timer_t rate_timer_;
  uv_timer_t grace_timer_;
  std::atomic<uint64_t> stop_grace_ms_{UINT64_MAX};  // UINT64_MAX = no stop requested
  bool stopping_ = false;
  int open_handles_ = 0;
  bool shutting_down_ = false;
  bool pumping_ = false;
  std::unique_ptr<Resolver> resolver_;
  Resolver::Stats resolver_stats_;
  std::unique_ptr<ConnectionPool> connections_;
  std::vector<std::unique_ptr<Task>> tasks_;
  std::vector<Task*> free_tasks_;
  int active_tasks_ = 0;
  BatchQueue<InputBatch> input_;
  InputBatch* current_input_ = nullptr;
  size_t current_pos_ = 0;
  bool input_done_ = false;
  RowBatch* out_batch_ = nullptr;
  absl::flat_hash_map<std::string_view, HostGate*> gates_;
  std::vector<std::unique_ptr<HostGate>> gate_store_;  // every gate ever made (few: at most -c at once)
  std::vector<HostGate*> free_gates_;
  std::vector<std::string> paused_hosts_;
  // Rate limiting (--rate): a token bucket refilled continuously, holding at most 10 ms of tokens (at
  // least one), so a loop never starts more than a hundredth of a second's URLs at once.
  double tokens_ = 0;
  double rate_per_loop_ = 0;
  uint64_t tokens_at_ns_ = 0;
  Task* rate_head_ = nullptr;
  Task* rate_tail_ = nullptr;
  bool rate_timer_armed_ = false;
  // Idle connections by key, each list most recent first. A key views its head connection's own key
  // string (Connection::key()), so parking a connection never allocates a copy of it: a list emptied and
  // refilled between two URLs of one host used to cost an allocation per URL once keys outgrew the
  // short-string buffer (15 bytes: "h|example.com|80" is 16).
  IdleMap idle_;
  // Scratch for what a task needs only within one call (its capacity is kept, once per loop instead of
  // once per task): the keep-alive key looked up, the request bytes, credentials, the redirect target.
  std::string key_scratch_;
  std::string request_scratch_;
  std::string authorization_scratch_;
  std::string proxy_auth_scratch_;
  std::string redirect_scratch_;
  Target next_target_;
  int idle_count_ = 0;
  uint64_t uv_now_ns_ = 0;
  WorkerCounters counters_;
  ScanStats stats_;
};

}  // namespace urlsweep
