#include "scanner/scan.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "http/tls_context.h"
#include "scanner/exclude_list.h"
#include "scanner/fd_budget.h"
#include "scanner/input_dispatch.h"
#include "scanner/output_thread.h"
#include "scanner/pipeline.h"
#include "scanner/metrics_text.h"
#include "scanner/progress_printer.h"
#include "scanner/scan_figures.h"
#include "scanner/signal_watcher.h"
#include "scanner/worker.h"

namespace urlsweep {
namespace {

using Workers = std::vector<std::unique_ptr<Worker>>;

// Makes and sets up one loop per thread, spreading `concurrency` over them; every loop gets at least one
// connection slot.
absl::StatusOr<Workers> MakeWorkers(const WorkerShared& shared, int threads, int concurrency, int connections) {
  Workers workers;
  for (int i = 0; i < threads; ++i) {
    const int share = std::max(1, concurrency / threads + (i < concurrency % threads ? 1 : 0));
    const int connection_share = std::max(share, connections / threads + (i < connections % threads ? 1 : 0));
    workers.push_back(std::make_unique<Worker>(shared, i, share, connection_share));
    absl::Status st = workers.back()->Init();
    if (!st.ok()) return st;
  }
  return workers;
}

std::vector<std::thread> StartLoops(const Workers& workers) {
  std::vector<std::thread> loop_threads;
  for (auto& w : workers) loop_threads.emplace_back([worker = w.get()] { worker->Run(); });
  return loop_threads;
}

// The first SIGINT/SIGTERM: every loop starts no more URLs and gives those in flight kStopGraceMs.
void StopLoops(const Workers& workers) {
  for (auto& w : workers) {
    w->RequestStop(kStopGraceMs);
    // Unblocks the input thread if it waits for room in a full queue.
    w->input()->Close();
  }
}

// A second signal, or an output that takes no more rows: every loop drops what is in flight at once.
void AbandonLoops(const Workers& workers) {
  for (auto& w : workers) {
    w->RequestAbandon();
    w->input()->Close();
  }
}

// The input is read: each loop finishes what it has and ends.
void FinishLoops(const Workers& workers, std::vector<std::thread>* loop_threads) {
  for (auto& w : workers) {
    w->input()->Close();
    w->Wake();
  }
  for (auto& t : *loop_threads) t.join();
}

ScanOutcome GatherOutcome(const Workers& workers) {
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
  return outcome;
}

}  // namespace

absl::StatusOr<ScanSetup> PrepareScan(const Config& config) {
  ScanSetup setup;
  TlsOptions tls_options;
  tls_options.ca_file = config.ca_file;
  tls_options.verify = config.tls_verify;
  tls_options.offer_h2 = config.http_version != HttpVersionMode::kHttp11;
  absl::StatusOr<std::unique_ptr<TlsContext>> tls = TlsContext::Create(tls_options);
  if (!tls.ok()) return tls.status();
  setup.tls = std::move(*tls);
  bool https_proxy = false;
  for (const std::optional<ProxySpec>* p : {&config.http_proxy, &config.https_proxy}) {
    https_proxy = https_proxy || (p->has_value() && (*p)->kind == ProxyKind::kHttps);
  }
  for (const ProxySpec& p : config.proxy_pool) https_proxy = https_proxy || p.kind == ProxyKind::kHttps;
  if (https_proxy) {
    tls_options.verify = config.proxy_insecure ? TlsVerifyMode::kOff : TlsVerifyMode::kStrict;
    absl::StatusOr<std::unique_ptr<TlsContext>> proxy_tls = TlsContext::Create(tls_options);
    if (!proxy_tls.ok()) return proxy_tls.status();
    setup.proxy_tls = std::move(*proxy_tls);
  }
  if (!config.exclude_file.empty()) {
    absl::StatusOr<ExcludeList> loaded = ExcludeList::Load(config.exclude_file);
    if (!loaded.ok()) return loaded.status();
    setup.exclude = std::move(*loaded);
  }
  if (config.metrics_listen.has_value()) {
    absl::StatusOr<std::unique_ptr<MetricsServer>> server = MetricsServer::Start(*config.metrics_listen);
    if (!server.ok()) return server.status();
    setup.metrics = std::move(*server);
  }
  return setup;
}

absl::StatusOr<ScanOutcome> RunScan(const Config& config, InputReader* input, const ScanOutput& output) {
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
  MetricsServer* metrics = setup->metrics.get();
  // The run ends on every path out of here, and with it the listener.
  absl::Cleanup stop_metrics = [metrics] {
    if (metrics != nullptr) metrics->Stop();
  };

  WorkerShared shared;
  shared.config = &config;
  shared.tls = setup->tls.get();
  shared.proxy_tls = setup->proxy_tls.get();
  shared.exclude = setup->exclude.has_value() ? &*setup->exclude : nullptr;
  std::optional<ProxyPool> proxy_pool;
  if (!config.proxy_pool.empty()) proxy_pool.emplace(&config.proxy_pool, config.proxy_rotate);
  shared.proxy_pool = proxy_pool.has_value() ? &*proxy_pool : nullptr;
  shared.input_pool = &input_pool;
  shared.row_pool = &row_pool;
  shared.rows_out = &rows_out;
  const ConnectionRoom room = RoomForConnections(threads, fd_limit);
  absl::StatusOr<int> fitting = FittingConcurrency(config, threads, fd_limit, room);
  if (!fitting.ok()) return fitting.status();
  absl::StatusOr<Workers> made = MakeWorkers(shared, threads, *fitting, ConnectionLimit(*fitting, room));
  if (!made.ok()) return made.status();
  const Workers& workers = *made;

  std::atomic<bool> stop_requested{false};
  // Nothing more can be written (a full disk, standard output's reader gone): stop reading and drop
  // the URLs in flight, whose rows would have nowhere to go.
  OutputThread output_thread(output.writer, output.file, output.journal, &rows_out, &row_pool, [&] {
    stop_requested.store(true);
    input->Interrupt();
    AbandonLoops(workers);
  });
  std::vector<std::thread> loop_threads = StartLoops(workers);
  SignalWatcher signals(
      [&](int) {
        stop_requested.store(true);
        // A read that waits for a pipe or terminal ends now, so the stop never waits for input.
        input->Interrupt();
        StopLoops(workers);
      },
      [&](int) { AbandonLoops(workers); });
  DispatchProgress dispatch;
  ScanFigures::Sources sources;
  sources.workers = &workers;
  sources.input = input;
  sources.dispatch = &dispatch;
  sources.stopped = &stop_requested;
  sources.resumed_rows = output.skip != nullptr ? output.skip->size() : 0;
  sources.input_bytes = InputTotalBytes(config.inputs);
  sources.start = start;
  const ScanFigures figures(sources);
  std::unique_ptr<ProgressPrinter> progress;
  if (config.progress_json) {
    progress = std::make_unique<ProgressPrinter>(&figures, ProgressPrinter::Style::kJson);
  } else if (ProgressWanted(config)) {
    progress = std::make_unique<ProgressPrinter>(&figures, ProgressPrinter::Style::kLine);
  }
  if (metrics != nullptr) metrics->SetSource([&figures] { return FormatMetrics(figures.Metrics()); });

  // The input thread is this one.
  const DispatchResult read = DispatchInput(config, input, output.skip, workers, &input_pool, &dispatch, [&] {
    return output_thread.failed() || stop_requested.load(std::memory_order_relaxed);
  });
  FinishLoops(workers, &loop_threads);
  rows_out.Close();
  const absl::Status write_status = output_thread.Join();
  progress.reset();
  // The figures go with this frame: the listener stops now (the run is over).
  std::move(stop_metrics).Invoke();

  if (!read.read_status.ok()) return read.read_status;
  const bool reader_gone = !write_status.ok() && output_thread.reader_gone();
  if (!write_status.ok() && !reader_gone) return write_status;
  ScanOutcome outcome = GatherOutcome(workers);
  outcome.rows_written = output_thread.rows_written();
  outcome.reader_gone = reader_gone;
  outcome.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  outcome.lines_read = input->lines_seen();
  outcome.dispatched = read.dispatched;
  outcome.stopped_by_signal = signals.signal();
  return outcome;
}

}  // namespace urlsweep
