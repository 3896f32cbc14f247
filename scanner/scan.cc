#include "scanner/scan.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "http/tls_context.h"
#include "scanner/exclude_list.h"
#include "scanner/pipeline.h"
#include "scanner/url.h"
#include "scanner/worker.h"

namespace urlsweep {
namespace {

// Input batches queued per loop before the input thread waits: with kInputBatchItems lines each, enough to
// keep a loop busy across the input thread's scheduling delays without reading far ahead of the scan.
constexpr size_t kInputQueueBatches = 4;
// How often the progress line is redrawn.
constexpr auto kProgressInterval = std::chrono::seconds(1);

// Each connection and each c-ares socket is an fd: ask for as many as the hard limit allows (massdns'
// set_open_file_limit_max), since -c 10000 needs more than the usual soft limit of 1024.
// Returns the soft limit in force afterwards (0 if unknown).
uint64_t RaiseFileLimit() {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? 0 : static_cast<uint64_t>(lim.rlim_cur);
}

// Descriptors kept free of connections besides those already open when the scan starts (counted by
// OpenDescriptors): the input file, c-ares' sockets (a few per loop), libuv's own (epoll and eventfd per
// loop), files read while starting (CA bundle, resolv.conf, hosts), and slack for the rest.
constexpr uint64_t kReservedFds = 32;
constexpr uint64_t kReservedFdsPerLoop = 8;
// Below this many connections a scan would crawl, and the message about it would hide the real
// problem (a tiny limit, or descriptors leaked by whoever started us): refuse instead.
constexpr int kMinFittingConcurrency = 4;

// Descriptors open now: standard streams, the output and its journal, and whatever the parent left
// open for us to inherit (a shell's `exec 3<file`, a supervisor's sockets). They count against the same
// limit as connections. /proc/self/fd lists them; without /proc, each number below the limit is probed.
uint64_t OpenDescriptors(uint64_t fd_limit) {
  if (DIR* dir = opendir("/proc/self/fd")) {
    uint64_t count = 0;
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    // The listing's own descriptor was open while it was read.
    return count > 0 ? count - 1 : 0;
  }
  // Probing costs a system call per number: bounded, since a hard limit can be in the millions.
  constexpr uint64_t kMaxProbedFds = 1 << 16;
  uint64_t count = 0;
  const int top = static_cast<int>(std::min(fd_limit == 0 ? kMaxProbedFds : fd_limit, kMaxProbedFds));
  for (int fd = 0; fd < top; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) ++count;
  }
  return count;
}

// A connection is one descriptor and urlsweep never holds more connections than --concurrency (idle
// keep-alive ones included), so the concurrency that fits is what the open-file limit leaves once the
// descriptors already open and the reserve are taken off. Fails when that is too little to scan with.
absl::StatusOr<int> FittingConcurrency(const Config& config, int threads, uint64_t fd_limit) {
  if (fd_limit == 0) return config.concurrency;
  const uint64_t open = OpenDescriptors(fd_limit);
  const uint64_t reserved = open + kReservedFds + kReservedFdsPerLoop * static_cast<uint64_t>(threads);
  if (fd_limit >= reserved + static_cast<uint64_t>(config.concurrency)) return config.concurrency;
  const uint64_t room = fd_limit > reserved ? fd_limit - reserved : 0;
  // Every loop holds at least one connection slot (RunScan), so fewer than `threads` cannot be kept.
  if (room < static_cast<uint64_t>(std::max(kMinFittingConcurrency, threads))) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the open-file limit of ", fd_limit, " leaves room for ", room, " connections (", open,
        " descriptors already open, ", reserved - open,
        " kept for files, DNS and event loops); raise it with ulimit -n or close inherited descriptors"));
  }
  const int fitting = static_cast<int>(room);
  std::fprintf(stderr,
               "urlsweep: --concurrency %d lowered to %d to fit the open-file limit of %llu (%llu descriptors "
               "already open; raise it with ulimit -n)\n",
               config.concurrency, fitting, static_cast<unsigned long long>(fd_limit),
               static_cast<unsigned long long>(open));
  return fitting;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Prints the progress line on standard error once a second while the scan runs.
class ProgressPrinter {
 public:
  ProgressPrinter(const std::vector<std::unique_ptr<Worker>>* workers, const std::atomic<int64_t>* total,
                  std::chrono::steady_clock::time_point start)
      : workers_(workers), total_(total), start_(start), tty_(isatty(2) != 0) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~ProgressPrinter() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    Print(/*final=*/true);
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, kProgressInterval, [&] { return stop_; })) Print(/*final=*/false);
  }
  void Print(bool final) {
    ProgressSnapshot s;
    for (const auto& w : *workers_) {
      s.done += w->counters().done.load(std::memory_order_relaxed);
      s.errors += w->counters().errors.load(std::memory_order_relaxed);
      s.in_flight += w->counters().in_flight.load(std::memory_order_relaxed);
    }
    s.total = total_->load(std::memory_order_relaxed);
    s.elapsed_s = SecondsSince(start_);
    const double interval = s.elapsed_s - last_elapsed_;
    s.rate = interval > 0 ? static_cast<double>(s.done - last_done_) / interval : 0;
    if (final) s.rate = s.elapsed_s > 0 ? static_cast<double>(s.done) / s.elapsed_s : 0;
    last_done_ = s.done;
    last_elapsed_ = s.elapsed_s;
    std::string line = FormatProgress(s);
    if (tty_) {
      // Redraw in place; the final line stays.
      std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final ? "\n" : "");
    } else {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
  }

  const std::vector<std::unique_ptr<Worker>>* workers_;
  const std::atomic<int64_t>* total_;
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  uint64_t last_done_ = 0;
  double last_elapsed_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

bool ProgressWanted(const Config& config) {
  switch (config.progress) {
    case ProgressMode::kOn:
      return true;
    case ProgressMode::kOff:
      return false;
    case ProgressMode::kAuto:
      return isatty(2) != 0;
  }
  return false;
}

// Waits for SIGINT/SIGTERM on its own thread (they are blocked everywhere else), so the handling is plain
// code rather than async-signal-safe code. The first stops the scan gracefully; the second exits at once.
class SignalWatcher {
 public:
  // Sent by the destructor to the watcher thread only; blocked in every thread (BlockStopSignals).
  static constexpr int kWakeSignal = SIGUSR1;

  explicit SignalWatcher(std::function<void(int)> on_first) : on_first_(std::move(on_first)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~SignalWatcher() {
    done_.store(true);
    // Wakes the wait at once: an empty scan would otherwise end up to one timeout late.
    pthread_kill(thread_.native_handle(), kWakeSignal);
    thread_.join();
  }
  int signal() const { return first_.load(); }

 private:
  void Loop() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, kWakeSignal);
    // The destructor wakes the wait with kWakeSignal; the timeout only bounds a wake that was lost.
    const timespec wait = {1, 0};
    while (!done_.load()) {
      int sig = sigtimedwait(&set, nullptr, &wait);
      if (sig <= 0 || sig == kWakeSignal) continue;
      if (first_.load() != 0) {
        // Second signal: stop at once. The output may lack its last rows; --resume repairs it.
        _exit(128 + sig);
      }
      first_.store(sig);
      on_first_(sig);
    }
  }

  std::function<void(int)> on_first_;
  std::atomic<bool> done_{false};
  std::atomic<int> first_{0};
  std::thread thread_;
};

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SignalWatcher::kWakeSignal);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

absl::StatusOr<ScanSetup> PrepareScan(const Config& config) {
  ScanSetup setup;
  TlsOptions tls_options;
  tls_options.ca_file = config.ca_file;
  tls_options.verify = config.tls_verify;
  absl::StatusOr<std::unique_ptr<TlsContext>> tls = TlsContext::Create(tls_options);
  if (!tls.ok()) return tls.status();
  setup.tls = std::move(*tls);
  if (!config.exclude_file.empty()) {
    absl::StatusOr<ExcludeList> loaded = ExcludeList::Load(config.exclude_file);
    if (!loaded.ok()) return loaded.status();
    setup.exclude = std::move(*loaded);
  }
  return setup;
}

absl::StatusOr<ScanOutcome> RunScan(const Config& config, InputReader* input, const ScanOutput& output) {
  RowWriter* writer = output.writer;
  const uint64_t fd_limit = RaiseFileLimit();
  // Threads inherit the mask: only the SignalWatcher ever receives SIGINT/SIGTERM.
  BlockStopSignals();
  const auto start = std::chrono::steady_clock::now();
  const int threads = std::max(1, config.threads);

  BatchPool<InputBatch> input_pool;
  BatchPool<RowBatch> row_pool;
  BatchQueue<RowBatch> rows_out(/*capacity=*/SIZE_MAX);
  ScanSetup own_setup;
  const ScanSetup* setup = output.setup;
  if (setup == nullptr) {
    absl::StatusOr<ScanSetup> prepared = PrepareScan(config);
    if (!prepared.ok()) return prepared.status();
    own_setup = std::move(*prepared);
    setup = &own_setup;
  }

  WorkerShared shared;
  shared.config = &config;
  shared.tls = setup->tls.get();
  shared.exclude = setup->exclude.has_value() ? &*setup->exclude : nullptr;
  shared.input_pool = &input_pool;
  shared.row_pool = &row_pool;
  shared.rows_out = &rows_out;

  absl::StatusOr<int> fitting = FittingConcurrency(config, threads, fd_limit);
  if (!fitting.ok()) return fitting.status();
  const int concurrency = *fitting;
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < threads; ++i) {
    // Spread --concurrency over the loops; every loop gets at least one slot.
    const int share = std::max(1, concurrency / threads + (i < concurrency % threads ? 1 : 0));
    workers.push_back(std::make_unique<Worker>(shared, i, share));
    absl::Status st = workers.back()->Init();
    if (!st.ok()) return st;
  }

  // The output thread: the only one that blocks on the file, so no loop ever waits for the disk.
  absl::Status write_status;
  std::atomic<bool> write_failed{false};
  std::thread output_thread([&] {
    std::vector<int64_t> lines;  // written since the last checkpoint
    auto last_checkpoint = std::chrono::steady_clock::now();
    auto checkpoint = [&]() -> absl::Status {
      absl::Status st = writer->Flush();
      if (st.ok() && output.journal != nullptr) {
        st = output.journal->Commit(&lines, output.file->offset(), writer->CheckpointState());
      }
      lines.clear();
      last_checkpoint = std::chrono::steady_clock::now();
      return st;
    };
    auto fail = [&](absl::Status st) {
      write_status = std::move(st);
      write_failed.store(true);
    };
    while (RowBatch* batch = rows_out.Pop()) {
      if (!write_failed.load(std::memory_order_relaxed)) {
        absl::Status st = writer->Write(absl::MakeConstSpan(batch->rows.data(), batch->count));
        if (!st.ok()) fail(st);
        if (output.journal != nullptr) {
          for (size_t i = 0; i < batch->count; ++i) lines.push_back(batch->rows[i].line);
        }
        if (st.ok() && SecondsSince(last_checkpoint) >= kCheckpointIntervalS) {
          if (absl::Status cst = checkpoint(); !cst.ok()) fail(cst);
        }
      }
      row_pool.Put(batch);
    }
    if (!write_failed.load()) {
      if (absl::Status st = checkpoint(); !st.ok()) fail(st);
    }
  });

  std::vector<std::thread> loop_threads;
  for (auto& w : workers) loop_threads.emplace_back([worker = w.get()] { worker->Run(); });

  std::atomic<bool> stop_requested{false};
  SignalWatcher signals([&](int) {
    stop_requested.store(true);
    for (auto& w : workers) {
      w->RequestStop(kStopGraceMs);
      // Unblocks the input thread if it waits for room in a full queue.
      w->input()->Close();
    }
  });

  std::atomic<int64_t> total{-1};
  std::unique_ptr<ProgressPrinter> progress;
  if (ProgressWanted(config)) progress = std::make_unique<ProgressPrinter>(&workers, &total, start);

  // The input thread (this one): read, parse, pick the shard and the loop, hand over in batches.
  std::vector<InputBatch*> pending(workers.size(), nullptr);
  auto hand_over = [&](size_t i) {
    if (pending[i] == nullptr || pending[i]->count == 0) return;
    if (!workers[i]->input()->Push(pending[i])) input_pool.Put(pending[i]);  // closed by a stop
    pending[i] = nullptr;
    workers[i]->Wake();
  };
  absl::Status read_status;
  int64_t dispatched = 0;
  InputLine line;
  InputItem parsed;
  for (;;) {
    if (write_failed.load(std::memory_order_relaxed) || stop_requested.load(std::memory_order_relaxed)) break;
    absl::StatusOr<bool> more = input->Next(&line);
    if (!more.ok()) {
      read_status = more.status();
      break;
    }
    if (!*more) break;
    // --resume: lines whose rows are already in the output are not scanned again.
    if (output.skip != nullptr && output.skip->ContainsNext(line.line)) continue;
    // The host picks the shard and the loop, so parse before choosing a batch; `parsed` is then swapped
    // into the batch slot, and the slot's old strings come back to be reused for the next line.
    const char* detail = "";
    parsed.line = line.line;
    parsed.text.assign(line.text);
    if (line.too_long) {
      parsed.valid = false;
      parsed.invalid_detail = line.truncated ? "URL longer than 8192 bytes (url holds its first 65536 bytes)"
                                             : "URL longer than 8192 bytes";
    } else {
      parsed.valid = ParseUrl(line.text, &parsed.target, &detail);
      parsed.invalid_detail = detail;
    }
    const uint64_t h = parsed.valid ? StableHash(parsed.target.host) : StableHash(parsed.text);
    // --shard: chosen by the host's hash, so one host's politeness limits hold inside one shard.
    if (config.shard_count > 1 && h % static_cast<uint64_t>(config.shard_count) !=
                                      static_cast<uint64_t>(config.shard_index)) {
      continue;
    }
    const size_t loop_index = workers.size() == 1 ? 0 : (h >> 32) % workers.size();
    if (pending[loop_index] == nullptr) pending[loop_index] = input_pool.Get(kInputBatchItems);
    InputBatch* batch = pending[loop_index];
    std::swap(batch->items[batch->count++], parsed);
    ++dispatched;
    // Hand over full batches, and partial ones as soon as the loop has nothing queued (so a slow input
    // such as a pipe is never held back waiting for a batch to fill).
    if (batch->count == batch->items.size() || workers[loop_index]->input()->approx_size() == 0) {
      hand_over(loop_index);
    }
  }
  for (size_t i = 0; i < workers.size(); ++i) hand_over(i);
  for (InputBatch* b : pending) {
    if (b != nullptr) input_pool.Put(b);
  }
  total.store(dispatched);
  for (auto& w : workers) {
    w->input()->Close();
    w->Wake();
  }
  for (auto& t : loop_threads) t.join();
  rows_out.Close();
  output_thread.join();
  progress.reset();

  if (!read_status.ok()) return read_status;
  if (!write_status.ok()) return write_status;

  ScanOutcome outcome;
  for (auto& w : workers) {
    outcome.stats.Merge(w->stats());
    const Resolver::Stats rs = w->resolver_stats();
    outcome.dns.lookups += rs.lookups;
    outcome.dns.cache_hits += rs.cache_hits;
    outcome.dns.coalesced += rs.coalesced;
    outcome.dns.hosts_hits += rs.hosts_hits;
    outcome.dns.queries += rs.queries;
  }
  outcome.elapsed_s = SecondsSince(start);
  outcome.lines_read = input->lines_seen();
  outcome.dispatched = dispatched;
  outcome.stopped_by_signal = signals.signal();
  return outcome;
}

}  // namespace urlsweep
