// OutputThread: the only thread that blocks on the output file, so no loop ever waits for the disk. It
// writes the row batches the loops hand over and makes them durable (writer flush + journal record) every
// kCheckpointIntervalS and at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "output/writer.h"
#include "scanner/journal.h"
#include "scanner/pipeline.h"

namespace urlsweep {

class OutputThread {
 public:
  // Starts writing the batches of `rows` through `writer` (into `file`), checkpointing into `journal`
  // (nullptr: no journal), and giving each batch back to `pool`.
  OutputThread(RowWriter* writer, OutputFile* file, Journal* journal, BatchQueue<RowBatch>* rows,
               BatchPool<RowBatch>* pool);
  OutputThread(const OutputThread&) = delete;
  OutputThread& operator=(const OutputThread&) = delete;

  // A write or checkpoint failed: later batches are dropped unwritten, and the input should stop.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // Waits for the thread to end (it ends once `rows` is closed and drained); returns the first failure.
  // Must be called before the object goes.
  absl::Status Join();

 private:
  void Loop();
  double SecondsSinceCheckpoint() const;
  absl::Status Checkpoint();
  void Fail(absl::Status status);

  RowWriter* writer_;
  OutputFile* file_;
  Journal* journal_;
  BatchQueue<RowBatch>* rows_;
  BatchPool<RowBatch>* pool_;
  std::vector<int64_t> lines_;  // input lines written since the last checkpoint
  std::chrono::steady_clock::time_point last_checkpoint_;
  absl::Status status_;
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace urlsweep
