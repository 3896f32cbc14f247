// The input thread's work: read the input lines in order, parse each URL, keep the lines of this shard
// (--shard, by host or by line number: --shard-by) that are not already in the output (--resume), and
// hand them to the loop of their host in batches.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "scanner/config.h"
#include "scanner/input_reader.h"
#include "scanner/journal.h"
#include "scanner/pipeline.h"
#include "scanner/worker.h"

namespace urlsweep {

struct DispatchResult {
  absl::Status read_status;  // an input that failed mid-way, else OK
  int64_t dispatched = 0;    // lines handed to the loops: the rows to expect
};

// How far the input thread has come, for the progress figures: written by it, read by any thread.
struct DispatchProgress {
  std::atomic<int64_t> lines_read{0};  // physical lines read
  // Lines handed to the loops so far: rows this run will write (a --resume's rows already written are
  // not among them).
  std::atomic<int64_t> rows_seen{0};
  std::atomic<int64_t> total{-1};  // rows_seen once the whole input was read; -1 before, or after a stop
};

// Reads `input` until its end, a read error, or `should_stop()` (asked before every line). One host's URLs
// always go to one loop, so its politeness limits hold there. `skip`: lines already written (nullptr for
// none). Leaves the loops' queues open. Updates `progress` as it reads.
DispatchResult DispatchInput(const Config& config, InputReader* input, LineSet* skip,
                             const std::vector<std::unique_ptr<Worker>>& workers, BatchPool<InputBatch>* pool,
                             DispatchProgress* progress, absl::FunctionRef<bool()> should_stop);

}  // namespace urlsweep
