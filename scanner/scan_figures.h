// ScanFigures: the figures of a running scan, gathered from the loops' counters, the input reader and
// the input thread at the moment they are asked for, from any thread: the progress line, --progress-json
// and GET /metrics all read them here, so the three always agree.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scanner/input_dispatch.h"
#include "scanner/input_reader.h"
#include "scanner/metrics_text.h"
#include "scanner/stats.h"
#include "scanner/worker.h"

namespace urlsweep {

// The total size of the inputs when every one is a regular file read as it is stored (not standard input,
// a pipe or a device, and not gzip-compressed: its decompressed bytes are what the reader counts);
// nullopt otherwise. Sizes are taken once, at the start (stat(2)).
std::optional<uint64_t> InputTotalBytes(const std::vector<std::string>& inputs);

class ScanFigures {
 public:
  struct Sources {
    const std::vector<std::unique_ptr<Worker>>* workers = nullptr;
    const InputReader* input = nullptr;
    const DispatchProgress* dispatch = nullptr;
    const std::atomic<bool>* stopped = nullptr;  // a signal stopped the run
    int64_t resumed_rows = 0;                    // rows already in the output before a --resume
    std::optional<uint64_t> input_bytes;         // InputTotalBytes
    std::chrono::steady_clock::time_point start;
  };

  explicit ScanFigures(const Sources& sources) : s_(sources) {}

  // The progress figures now; `rate` is left 0 for the caller, which knows its interval.
  ProgressSnapshot Progress() const;
  // The figures of a scrape now.
  MetricsSnapshot Metrics() const;

 private:
  Sources s_;
};

}  // namespace urlsweep
