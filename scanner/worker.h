// Worker: one libuv loop on one thread, scanning the URLs routed to it. It owns a fixed pool of Tasks (one
// per request it may have in flight), the per-host gates, the rate limiter, the keep-alive pool of idle
// connections, one DNS resolver and one read buffer, and hands finished rows to the output thread.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/row.h"
#include "dns/resolver.h"
#include "http/tls_context.h"
#include "scanner/config.h"
#include "scanner/connection.h"
#include "scanner/exclude_list.h"
#include "scanner/h2_connection.h"
#include "scanner/host_gate.h"
#include "scanner/idle_pool.h"
#include "scanner/live_metrics.h"
#include "scanner/pipeline.h"
#include "scanner/proxy_authenticator.h"
#include "scanner/proxy_pool.h"
#include "scanner/rate_limiter.h"
#include "scanner/stats.h"
#include "scanner/task.h"
#include "scanner/task_queue.h"
#include "scanner/url.h"

namespace urlsweep {

// Input batches queued per loop before the input thread waits: with kInputBatchItems lines each, enough to
// keep a loop busy across the input thread's scheduling delays without reading far ahead of the scan.
inline constexpr size_t kInputQueueBatches = 4;
// URLs one Pump() starts before it lets the loop run its ready I/O: a burst (the start of a -c 10000
// run) opens its connections in slices, each slice's requests written while the next is opened. Far
// above what a steady scan starts per turn (one per finished URL).
inline constexpr int kStartsPerPump = 512;

// Counters the progress and metrics threads read while the loop runs (the loop thread writes them).
struct WorkerCounters {
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> errors{0};
  // URLs taken from the input and not finished: those queued, and the rest, which are on the wire.
  std::atomic<uint64_t> active{0};
  // Of those, the URLs waiting for their host's turn (--per-host, Retry-After) or for --rate.
  std::atomic<uint64_t> queued{0};
};

// -4 / -6 (--ip-version): the one address family names resolve to and connections use; AF_UNSPEC for
// both.
int AddressFamilyOf(IpVersion version);
// The error_detail of dns_nodata under -4 / -6, which say which record was missing.
const char* NoAddressDetail(IpVersion version);

struct WorkerShared {
  const Config* config = nullptr;
  const TlsContext* tls = nullptr;         // shared by all loops (an SSL_CTX is thread-safe once set up)
  const TlsContext* proxy_tls = nullptr;   // for https:// proxies; nullptr when the run has none
  const ExcludeList* exclude = nullptr;    // nullptr without --exclude
  ProxyPool* proxy_pool = nullptr;         // nullptr without --proxy-file
  BatchPool<InputBatch>* input_pool = nullptr;
  BatchPool<RowBatch>* row_pool = nullptr;
  BatchQueue<RowBatch>* rows_out = nullptr;
  // When more row batches than this wait for the output thread, loops stop starting URLs until it catches up:
  // memory stays bounded however slow the output is.
  size_t max_queued_row_batches = 64;
};

class Worker final {
 public:
  // `concurrency` URLs in flight at once, on at most `max_connections` connections (busy and idle).
  Worker(const WorkerShared& shared, int index, int concurrency, int max_connections);
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
  // From any thread (a second signal, or an output that can no longer be written): start no more URLs
  // and drop those in flight at once, without waiting for a grace. Rows already finished are handed on.
  void RequestAbandon();

  BatchQueue<InputBatch>* input() { return &input_; }
  const WorkerCounters& counters() const { return counters_; }
  const ScanStats& stats() const { return stats_; }
  // Counted only with --metrics-listen.
  const LiveMetrics& metrics() const { return metrics_; }
  const Resolver::Stats resolver_stats() const { return resolver_stats_; }

 private:
  friend class Task;

  static void OnWake(uv_async_t* handle);
  static void OnTick(uv_timer_t* handle);
  static void OnRateTimer(uv_timer_t* handle);
  static void OnPumpMore(uv_idle_t* handle);
  static void OnResolverClosed(void* arg);
  static void OnGraceOver(uv_timer_t* handle);
  // Starts the stop once RequestStop() or RequestAbandon() was called (from the wake-up or the tick).
  void CheckStop();
  void BeginStop();
  void AbortAll();
  // Returns a task that will not produce a row (stopped by a signal) to the free list.
  void ReleaseDropped(Task* task);

  // Starts as many queued URLs as free tasks, the rate and the output allow.
  void Pump();
  bool NextItem(InputItem** item);
  void StartItem(Task* task, InputItem* item);
  // Takes a turn at the gate of task->target_.host, or queues the task there.
  void EnterHostGate(Task* task);
  void LeaveHostGate(Task* task);
  // A queued task whose budget ran out leaves the queue without ever holding a turn.
  void RemoveFromHostGate(Task* task);
  void StartWhenRateAllows(Task* task);
  // Retry-After: no new request to the task's host before `delay_ns` from now (0: no hold).
  void PauseHost(Task* task, uint64_t delay_ns);
  void ArmRateTimer();
  // A task starts or stops waiting at a host gate or in the rate queue (WorkerCounters::queued).
  void CountQueued(int delta);
  void TaskFinished(Task* task);
  void EmitRow(Row* row);
  void FlushRows();
  bool OutputBackedUp() const;
  // Parks a connection whose response left it reusable, or closes it when the loop is at its share of
  // the descriptor budget.
  void PutIdle(Connection* conn);
  void MaybeShutdown();
  uint64_t Now() const { return uv_now_ns_; }
  void UpdateNow() {
    uv_now_ns_ = uv_hrtime();
    h2_.set_now(uv_now_ns_);
  }

  WorkerShared shared_;
  const Config& config_;
  int index_;
  uv_loop_t loop_;
  uv_async_t wake_;
  std::mutex wake_mu_;      // Wake() from other threads against the loop closing wake_
  bool wake_open_ = true;   // guarded by wake_mu_
  uv_timer_t tick_;
  uv_timer_t rate_timer_;
  uv_timer_t grace_timer_;
  // Active while Pump() left startable URLs for the next loop turn (kStartsPerPump).
  uv_idle_t pump_more_;
  std::atomic<uint64_t> stop_grace_ms_{UINT64_MAX};  // UINT64_MAX = no stop requested
  std::atomic<bool> abandon_requested_{false};
  bool stopping_ = false;
  bool abandoned_ = false;
  bool shutting_down_ = false;
  bool pumping_ = false;
  std::unique_ptr<Resolver> resolver_;
  Resolver::Stats resolver_stats_;
  std::unique_ptr<ConnectionPool> connections_;
  std::vector<std::unique_ptr<Task>> tasks_;
  int max_connections_;
  std::vector<Task*> free_tasks_;
  int active_tasks_ = 0;
  BatchQueue<InputBatch> input_;
  InputBatch* current_input_ = nullptr;
  size_t current_pos_ = 0;
  bool input_done_ = false;
  RowBatch* out_batch_ = nullptr;
  HostGates gates_;
  // --rate, this loop's share, and the tasks waiting for a token (each already holds its host's turn).
  RateLimiter rate_;
  TaskQueue rate_queue_;
  bool rate_timer_armed_ = false;
  IdlePool idle_;
  // HTTP/2 connections shared by their origin's tasks, and origins known to answer HTTP/1.1.
  H2Pool h2_;
  // --proxy-auth: what this loop learnt from proxies' 407s (scheme per proxy, Digest nonces).
  ProxyAuthenticator proxy_auth_;
  // Scratch for what a task needs only within one call (its capacity is kept, once per loop instead of
  // once per task): the keep-alive key looked up, the request bytes, credentials, the redirect target.
  std::string key_scratch_;
  std::string request_scratch_;
  std::string authorization_scratch_;
  std::string proxy_auth_scratch_;
  std::string redirect_scratch_;
  Target next_target_;
  uint64_t uv_now_ns_ = 0;
  WorkerCounters counters_;
  ScanStats stats_;
  bool count_metrics_ = false;  // --metrics-listen
  LiveMetrics metrics_;
};

}  // namespace urlsweep
