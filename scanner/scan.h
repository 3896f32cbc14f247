// The engine's public entry point, used by the CLI, the tests and the benchmarks: scan every line of an
// input into rows handed to a writer.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "absl/status/statusor.h"
#include "dns/resolver.h"
#include "output/writer.h"
#include "http/tls_context.h"
#include "scanner/config.h"
#include "scanner/exclude_list.h"
#include "scanner/input_reader.h"
#include "scanner/journal.h"
#include "scanner/metrics_server.h"
#include "scanner/stats.h"

namespace urlsweep {

struct ScanOutcome {
  ScanStats stats;
  double elapsed_s = 0;
  int64_t lines_read = 0;   // physical input lines seen
  int64_t dispatched = 0;   // rows expected (non-skipped lines in this shard)
  Resolver::Stats dns;      // summed over loops
  int stopped_by_signal = 0;  // SIGINT or SIGTERM that stopped the run early, else 0
  int64_t rows_written = 0;   // rows this run handed to the writer
  // Standard output's reader closed it (`urlsweep ... | head`): the scan stopped, quietly; the writer
  // can take nothing more (its Close fails the same way).
  bool reader_gone = false;
};

// After SIGINT/SIGTERM, URLs in flight get this long to finish before they are dropped unwritten (a --resume
// scans them again): short enough that Ctrl-C feels immediate, long enough for most to complete.
inline constexpr uint64_t kStopGraceMs = 2000;

// What a scan loads from the files its flags name (--ca-file, --exclude), and the --metrics-listen
// listener, before any URL is read. The CLI prepares it before it opens the output, so a bad --ca-file or
// --exclude, or a metrics port in use, is one line and exit 1 with no output file or journal left behind.
struct ScanSetup {
  std::unique_ptr<TlsContext> tls;
  // For https:// proxies (made only when the run has one): the same trust, verified strictly unless
  // --proxy-insecure, whatever --tls-verify says of origins.
  std::unique_ptr<TlsContext> proxy_tls;
  std::optional<ExcludeList> exclude;
  std::unique_ptr<MetricsServer> metrics;  // listening already; RunScan feeds it and stops it at its end
};
absl::StatusOr<ScanSetup> PrepareScan(const Config& config);

// Where rows go. The writer is already Open()ed; the caller Close()s it after RunScan.
struct ScanOutput {
  RowWriter* writer = nullptr;
  OutputFile* file = nullptr;
  Journal* journal = nullptr;  // checkpoints for --resume; nullptr for standard output
  LineSet* skip = nullptr;     // lines already in the output (--resume); nullptr for none
  const ScanSetup* setup = nullptr;  // from PrepareScan; nullptr: RunScan prepares it itself
};

// How often the output thread makes the written rows durable against a crash (flush + journal record):
// often enough that a kill loses little work, rarely enough that Parquet row groups stay large.
inline constexpr double kCheckpointIntervalS = 5;

// Runs the scan to the end: reads `input` on the calling thread, scans on config.threads loop threads and
// writes rows on an output thread through `output.writer`, checkpointing into `output.journal`. Fails only
// for errors of the run itself (unreadable input mid-way, output write failure), with one clear line;
// standard output closed by its reader is no failure (ScanOutcome::reader_gone). SIGINT and SIGTERM stop
// the run: reading stops at once (also a read waiting for a pipe or terminal), URLs in flight get
// kStopGraceMs, and a second signal drops them at once; either way every finished row is handed to the
// writer before RunScan returns. The progress (--progress, --progress-json) and GET /metrics show its
// figures while it runs; the metrics listener stops when it returns.
absl::StatusOr<ScanOutcome> RunScan(const Config& config, InputReader* input, const ScanOutput& output);

}  // namespace urlsweep
