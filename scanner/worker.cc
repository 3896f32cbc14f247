#include "scanner/worker.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// Output rows that wait in a partial batch longer than this are handed to the output thread anyway, so a
// slow trickle of results still reaches the file (and `tail -f`) promptly.
constexpr uint64_t kTickMs = 100;
// Idle keep-alive connections are closed after this long: servers commonly time idle connections out after
// 5-15 s, and a reuse that races the server's close costs a fresh connection anyway.
constexpr uint64_t kMaxIdleNs = 4'000'000'000;

}  // namespace

int AddressFamilyOf(IpVersion version) {
  switch (version) {
    case IpVersion::kV4:
      return AF_INET;
    case IpVersion::kV6:
      return AF_INET6;
    case IpVersion::kAny:
      break;
  }
  return AF_UNSPEC;
}

const char* NoAddressDetail(IpVersion version) {
  return version == IpVersion::kV6 ? "name has no AAAA record (-6: IPv6 only)"
                                   : "name has no A record (-4: IPv4 only)";
}

Worker::Worker(const WorkerShared& shared, int index, int concurrency, int max_connections)
    : shared_(shared),
      config_(*shared.config),
      index_(index),
      max_connections_(max_connections),
      input_(kInputQueueBatches),
      gates_(config_.per_host),
      proxy_auth_(config_.proxy_auth_mode),
      count_metrics_(config_.metrics_listen.has_value()) {
  tasks_.reserve(static_cast<size_t>(concurrency));
  for (int i = 0; i < concurrency; ++i) tasks_.push_back(std::make_unique<Task>());
}

Worker::~Worker() {
  if (current_input_ != nullptr) shared_.input_pool->Put(current_input_);
  if (out_batch_ != nullptr) shared_.row_pool->Put(out_batch_);
}

absl::Status Worker::Init() {
  int rc = uv_loop_init(&loop_);
  if (rc != 0) return absl::InternalError(absl::StrCat("uv_loop_init: ", uv_strerror(rc)));
  loop_.data = this;
  uv_async_init(&loop_, &wake_, &Worker::OnWake);
  wake_.data = this;
  uv_timer_init(&loop_, &tick_);
  tick_.data = this;
  uv_timer_init(&loop_, &rate_timer_);
  rate_timer_.data = this;
  uv_timer_init(&loop_, &grace_timer_);
  grace_timer_.data = this;
  uv_idle_init(&loop_, &pump_more_);
  pump_more_.data = this;
  for (auto& t : tasks_) {
    t->worker_ = this;
    t->dns_request_.data = t.get();
    uv_timer_init(&loop_, &t->timer_);
    t->timer_.data = t.get();
    free_tasks_.push_back(t.get());
  }
  ResolverOptions options;
  options.servers = config_.resolvers;
  options.timeout_s = config_.dns_timeout_s;
  options.family = AddressFamilyOf(config_.ip_version);
  if (shared_.exclude != nullptr) {
    options.flag_address = [](const void* arg, int family, const uint8_t* bytes) {
      return static_cast<const ExcludeList*>(arg)->MatchesBytes(family, bytes);
    };
    options.flag_address_arg = shared_.exclude;
  }
  auto resolver = Resolver::Create(&loop_, options);
  if (!resolver.ok()) return resolver.status();
  resolver_ = std::move(*resolver);
  connections_ = std::make_unique<ConnectionPool>();
  out_batch_ = shared_.row_pool->Get(kRowBatchRows);
  UpdateNow();
  rate_.Reset(config_.rate > 0 ? config_.rate / config_.threads : 0, Now());
  return absl::OkStatus();
}

void Worker::Run() {
  uv_timer_start(&tick_, &Worker::OnTick, kTickMs, kTickMs);
  Pump();
  uv_run(&loop_, UV_RUN_DEFAULT);
  uv_loop_close(&loop_);
}

void Worker::Wake() {
  // After the loop closed its wake-up handle, a send would write to a closed descriptor: a stop that
  // comes after the loop ended (a signal while the output is closed) has nothing left to wake.
  std::lock_guard<std::mutex> lock(wake_mu_);
  if (wake_open_) uv_async_send(&wake_);
}

void Worker::RequestStop(uint64_t grace_ms) {
  stop_grace_ms_.store(grace_ms);
  Wake();
}

void Worker::RequestAbandon() {
  // A grace of 0 for a loop that was not stopping yet: BeginStop's timer, if any, is closed by the
  // shutdown that AbortAll brings.
  uint64_t none = UINT64_MAX;
  stop_grace_ms_.compare_exchange_strong(none, 0);
  abandon_requested_.store(true);
  Wake();
}

void Worker::OnWake(uv_async_t* handle) {
  auto* w = static_cast<Worker*>(handle->data);
  w->UpdateNow();
  w->CheckStop();
  w->Pump();
}

void Worker::CheckStop() {
  if (shutting_down_) return;
  if (stop_grace_ms_.load() != UINT64_MAX && !stopping_) BeginStop();
  if (abandon_requested_.load() && !abandoned_ && !shutting_down_) {
    abandoned_ = true;
    AbortAll();
  }
}

void Worker::BeginStop() {
  stopping_ = true;
  input_done_ = true;
  if (current_input_ != nullptr) {
    shared_.input_pool->Put(current_input_);
    current_input_ = nullptr;
  }
  // Lines still queued for this loop are not started: a --resume scans them.
  while (InputBatch* b = input_.TryPop()) shared_.input_pool->Put(b);
  // URLs waiting for their turn have not begun: drop them now rather than start them in the grace period.
  while (Task* t = rate_queue_.PopFront()) {
    CountQueued(-1);
    // Rate-queued tasks hold a host turn: hand it back without starting anyone.
    t->stage_ = Task::Stage::kFree;
    ReleaseDropped(t);
  }
  gates_.DropAllWaiters([this](Task* t) {
    CountQueued(-1);
    // It holds no turn: with its gate forgotten, ReleaseDropped leaves the gates alone.
    t->gate_ = nullptr;
    uv_timer_stop(&t->timer_);
    t->stage_ = Task::Stage::kFree;
    ReleaseDropped(t);
  });
  if (active_tasks_ > 0) {
    uv_timer_start(&grace_timer_, &Worker::OnGraceOver, stop_grace_ms_.load(), 0);
  }
  MaybeShutdown();
}

void Worker::ReleaseDropped(Task* task) {
  if (task->gate_ != nullptr) {
    HostGate* gate = task->gate_;
    task->gate_ = nullptr;
    gates_.ReturnTurn(gate);
  }
  --active_tasks_;
  counters_.active.fetch_sub(1, std::memory_order_relaxed);
  free_tasks_.push_back(task);
}

void Worker::OnGraceOver(uv_timer_t* handle) {
  auto* w = static_cast<Worker*>(handle->data);
  w->UpdateNow();
  w->AbortAll();
}

void Worker::AbortAll() {
  // HTTP/2 connections go first, without a word to their tasks: every task is let go of below.
  for (auto& t : tasks_) {
    t->h2_ = nullptr;
    t->h2_next_ = nullptr;
    t->h2_role_ = Task::H2Role::kNone;
  }
  h2_.CloseAll();
  for (auto& t : tasks_) {
    Task* task = t.get();
    if (task->stage_ == Task::Stage::kFree) continue;
    if (task->dns_request_.pending()) resolver_->Cancel(&task->dns_request_);
    uv_timer_stop(&task->timer_);
    if (task->conn_ != nullptr) {
      Connection* c = task->conn_;
      task->conn_ = nullptr;
      c->Close();
    }
    task->stage_ = Task::Stage::kFree;
    ReleaseDropped(task);
  }
  // Every task is free now, those that waited at a gate or for --rate included.
  counters_.queued.store(0, std::memory_order_relaxed);
  MaybeShutdown();
}

void Worker::OnTick(uv_timer_t* handle) {
  auto* w = static_cast<Worker*>(handle->data);
  w->UpdateNow();
  w->CheckStop();
  if (w->shutting_down_) return;  // the stop ended the loop: its handles are closing
  w->FlushRows();
  w->idle_.CloseOlderThan(w->Now(), kMaxIdleNs);
  w->h2_.CloseIdle(w->Now(), kMaxIdleNs);
  w->connections_->tls_gate().Tick();
  if (w->gates_.any_paused()) {
    w->gates_.ResumeDue(w->Now(), [w](Task* task) {
      w->CountQueued(-1);
      w->StartWhenRateAllows(task);
    });
  }
  w->Pump();
}

bool Worker::OutputBackedUp() const { return shared_.rows_out->approx_size() > shared_.max_queued_row_batches; }

bool Worker::NextItem(InputItem** item) {
  for (;;) {
    if (current_input_ != nullptr && current_pos_ < current_input_->count) {
      *item = &current_input_->items[current_pos_++];
      return true;
    }
    if (current_input_ != nullptr) {
      shared_.input_pool->Put(current_input_);
      current_input_ = nullptr;
    }
    InputBatch* next = input_.TryPop();
    if (next == nullptr) {
      if (input_.closed_and_empty()) input_done_ = true;
      return false;
    }
    current_input_ = next;
    current_pos_ = 0;
  }
}

void Worker::Pump() {
  if (shutting_down_ || pumping_) return;
  pumping_ = true;
  int started = 0;
  while (!free_tasks_.empty() && !OutputBackedUp()) {
    if (started == kStartsPerPump) {
      // The rest on the next loop turn, after the I/O that is ready: at -c 10000 the first requests
      // then leave while later connections are still being opened, not after all of them.
      uv_idle_start(&pump_more_, &Worker::OnPumpMore);
      break;
    }
    ++started;
    InputItem* item = nullptr;
    if (!NextItem(&item)) break;
    Task* task = free_tasks_.back();
    free_tasks_.pop_back();
    ++active_tasks_;
    counters_.active.fetch_add(1, std::memory_order_relaxed);
    StartItem(task, item);
  }
  pumping_ = false;
  MaybeShutdown();
}

void Worker::OnPumpMore(uv_idle_t* handle) {
  auto* w = static_cast<Worker*>(handle->data);
  uv_idle_stop(handle);
  w->UpdateNow();
  w->Pump();
}

void Worker::StartItem(Task* task, InputItem* item) {
  Row& row = task->row_;
  row.Clear();
  row.line = item->line;
  row.url.assign(item->text);
  task->start_ns_ = 0;
  task->retries_used_ = 0;
  task->visited_count_ = 0;
  task->no_reuse_ = false;
  task->hop_pending_ = false;
  task->h2_refused_ = 0;
  task->pending_error_ = ErrorCode::kNone;
  if (!item->valid) {
    // No target: none of an earlier URL's may stay behind (TaskFinished keys on it).
    task->target_ = Target();
    row.error = ErrorCode::kInvalidUrl;
    row.error_detail.Set(item->invalid_detail);
    task->Finish();
    return;
  }
  task->target_ = item->target;
  task->stage_ = Task::Stage::kQueued;
  EnterHostGate(task);
}

void Worker::EnterHostGate(Task* task) {
  HostGate* gate = gates_.Open(task->target_.host);
  task->gate_ = gate;
  if (gates_.TryTakeTurn(gate, Now())) {
    StartWhenRateAllows(task);
    return;
  }
  task->stage_ = Task::Stage::kQueued;
  // While it waits only the --timeout budget runs, and only once the URL has begun (a redirect hop).
  task->deadline_stage_ns_ = UINT64_MAX;
  if (task->start_ns_ != 0) {
    task->ArmTimer();
  } else {
    uv_timer_stop(&task->timer_);
  }
  HostGates::Wait(gate, task);
  CountQueued(1);
}

void Worker::RemoveFromHostGate(Task* task) {
  HostGate* gate = task->gate_;
  // It never held a turn: give the gate back without releasing one.
  task->gate_ = nullptr;
  gates_.Withdraw(gate, task);
  CountQueued(-1);
}

void Worker::LeaveHostGate(Task* task) {
  HostGate* gate = task->gate_;
  task->gate_ = nullptr;
  if (gate == nullptr) return;
  // The turn goes straight to the next waiter, if the gate is not held by a Retry-After.
  if (Task* next = gates_.Leave(gate, Now())) {
    CountQueued(-1);
    StartWhenRateAllows(next);
  }
}

void Worker::PauseHost(Task* task, uint64_t delay_ns) {
  if (task->gate_ == nullptr || delay_ns == 0) return;
  gates_.Pause(task->gate_, Now(), delay_ns);
}

void Worker::StartWhenRateAllows(Task* task) {
  if (task->hop_pending_) {
    // A redirect hop continues a URL already counted against --rate.
    task->hop_pending_ = false;
    task->StartAttempt();
    return;
  }
  if (!rate_.limited()) {
    task->Begin();
    return;
  }
  // The bucket is refilled to the current time (uv_hrtime()), not to the loop's cached Now().
  if (rate_queue_.empty() && rate_.TryTake(uv_hrtime())) {
    task->Begin();
    return;
  }
  task->stage_ = Task::Stage::kQueued;
  rate_queue_.PushBack(task);
  CountQueued(1);
  ArmRateTimer();
}

void Worker::ArmRateTimer() {
  if (rate_timer_armed_) return;
  rate_timer_armed_ = true;
  uv_timer_start(&rate_timer_, &Worker::OnRateTimer, rate_.NextTokenDelayMs(), 0);
}

void Worker::OnRateTimer(uv_timer_t* handle) {
  auto* w = static_cast<Worker*>(handle->data);
  w->UpdateNow();
  w->rate_timer_armed_ = false;
  while (!w->rate_queue_.empty() && w->rate_.TryTake(uv_hrtime())) {
    Task* task = w->rate_queue_.PopFront();
    w->CountQueued(-1);
    task->Begin();
  }
  if (!w->rate_queue_.empty()) w->ArmRateTimer();
}

void Worker::CountQueued(int delta) {
  // The loop thread is the only writer: a plain load and store, no locked instruction.
  counters_.queued.store(counters_.queued.load(std::memory_order_relaxed) + static_cast<uint64_t>(delta),
                         std::memory_order_relaxed);
}

void Worker::EmitRow(Row* row) {
  stats_.Add(*row);
  if (count_metrics_) metrics_.Add(*row);
  counters_.done.fetch_add(1, std::memory_order_relaxed);
  if (row->error != ErrorCode::kNone) counters_.errors.fetch_add(1, std::memory_order_relaxed);
  counters_.active.fetch_sub(1, std::memory_order_relaxed);
  // Swap, not copy: the task gets the batch slot's old row, whose strings keep their capacity.
  std::swap(*row, out_batch_->rows[out_batch_->count++]);
  if (out_batch_->count == out_batch_->rows.size()) FlushRows();
}

void Worker::FlushRows() {
  if (out_batch_ == nullptr || out_batch_->count == 0) return;
  shared_.rows_out->PushNoWait(out_batch_);
  out_batch_ = shared_.row_pool->Get(kRowBatchRows);
}

void Worker::TaskFinished(Task* task) {
  --active_tasks_;
  // Once the input is exhausted and no task waits for a turn, the connection a finished task left
  // idle can serve nothing more: close it now, while the last responses are awaited, rather than
  // thousands at once after the last row (a fifth of a second at the end of a -c 10000 run). Only one
  // of its origin (its own, the most recently parked): another task may be following a redirect to a
  // host whose connection it will want.
  if (input_done_ && idle_.size() != 0 && counters_.queued.load(std::memory_order_relaxed) == 0) {
    IdlePool::KeyFor(task->target_, task->proxy_, &key_scratch_);
    if (Connection* conn = idle_.Take(key_scratch_); conn != nullptr) conn->Close();
  }
  free_tasks_.push_back(task);
  Pump();
}

void Worker::PutIdle(Connection* conn) {
  // Open connections (busy and idle; closing ones hold no descriptor) stay within this loop's share of
  // the connection limit, so the descriptors in use stay within what the open-file limit was sized for
  // (scanner/fd_budget.h ConnectionLimit).
  if (connections_->open() > max_connections_) {
    conn->Close();
    return;
  }
  idle_.Put(conn, Now());
}

void Worker::MaybeShutdown() {
  if (shutting_down_ || !input_done_ || active_tasks_ != 0) return;
  shutting_down_ = true;
  FlushRows();
  idle_.CloseOlderThan(Now(), 0);
  h2_.CloseAll();
  uv_timer_stop(&tick_);
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&rate_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&grace_timer_), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&pump_more_), nullptr);
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    wake_open_ = false;
  }
  uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr);
  for (auto& t : tasks_) uv_close(reinterpret_cast<uv_handle_t*>(&t->timer_), nullptr);
  resolver_stats_ = resolver_->stats();
  resolver_->Close(&Worker::OnResolverClosed, this);
}

void Worker::OnResolverClosed(void*) {}

}  // namespace urlsweep
