// OutputThread: the only thread that blocks on the output file, so no loop ever waits for the disk. It
// writes the row batches the loops hand over, pushes the text formats' rows to the file or pipe once the
// oldest of them has waited kPushAfterMs, and makes them durable (writer flush + journal record) every
// kCheckpointIntervalS and at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "output/writer.h"
#include "scanner/journal.h"
#include "scanner/pipeline.h"

namespace urlsweep {

// Rows written into the writer's buffer reach the file descriptor at most this long afterwards: with the
// loops' own hand-over every 100 ms (worker.cc kTickMs), a row is in its file or pipe well within the
// second docs/resume-and-shards.md allows, while a busy run still writes hundreds of KiB per write(2).
inline constexpr int64_t kPushAfterMs = 250;

class OutputThread {
 public:
  // Starts writing the batches of `rows` through `writer` (into `file`), checkpointing into `journal`
  // (nullptr: no journal), and giving each batch back to `pool`. `on_failure` runs once, on this
  // thread, when a write or checkpoint fails (the scan should stop: nothing more can be written).
  OutputThread(RowWriter* writer, OutputFile* file, Journal* journal, BatchQueue<RowBatch>* rows,
               BatchPool<RowBatch>* pool, std::function<void()> on_failure);
  OutputThread(const OutputThread&) = delete;
  OutputThread& operator=(const OutputThread&) = delete;

  // A write or checkpoint failed: later batches are dropped unwritten, and the input should stop.
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  // Waits for the thread to end (it ends once `rows` is closed and drained); returns the first failure.
  // Must be called before the object goes.
  absl::Status Join();
  // After Join(): the rows this run handed to the writer.
  int64_t rows_written() const { return rows_written_; }
  // After Join(): the failure was standard output's reader going away (OutputFile::reader_gone).
  bool reader_gone() const { return file_->reader_gone(); }

 private:
  using Clock = std::chrono::steady_clock;

  void Loop();
  void WriteBatch(const RowBatch& batch);
  // Pushes the buffered rows to the descriptor (RowWriter::Push).
  void Push();
  double SecondsSinceCheckpoint() const;
  absl::Status Checkpoint();
  void Fail(absl::Status status);

  RowWriter* writer_;
  OutputFile* file_;
  Journal* journal_;
  BatchQueue<RowBatch>* rows_;
  BatchPool<RowBatch>* pool_;
  std::function<void()> on_failure_;
  std::vector<int64_t> lines_;  // input lines written since the last checkpoint
  Clock::time_point last_checkpoint_;
  // Whether the writer holds bytes not yet pushed, and since when (the preamble counts: a CSV header
  // shows up even before the first row).
  bool unpushed_ = false;
  Clock::time_point unpushed_since_;
  int64_t rows_written_ = 0;
  absl::Status status_;
  std::atomic<bool> failed_{false};
  std::thread thread_;
};

}  // namespace urlsweep
