#include "scanner/output_thread.h"

#include <utility>

#include "absl/types/span.h"
#include "scanner/scan.h"

namespace urlsweep {

OutputThread::OutputThread(RowWriter* writer, OutputFile* file, Journal* journal, BatchQueue<RowBatch>* rows,
                           BatchPool<RowBatch>* pool, std::function<void()> on_failure)
    : writer_(writer),
      file_(file),
      journal_(journal),
      rows_(rows),
      pool_(pool),
      on_failure_(std::move(on_failure)) {
  thread_ = std::thread([this] { Loop(); });
}

absl::Status OutputThread::Join() {
  thread_.join();
  return status_;
}

void OutputThread::Loop() {
  last_checkpoint_ = Clock::now();
  unpushed_ = true;
  unpushed_since_ = last_checkpoint_;
  const auto push_after = std::chrono::milliseconds(kPushAfterMs);
  for (;;) {
    const bool waiting_push = unpushed_ && !failed_.load(std::memory_order_relaxed);
    RowBatch* batch = waiting_push ? rows_->PopUntil(unpushed_since_ + push_after) : rows_->Pop();
    if (batch == nullptr) {
      if (rows_->closed_and_empty()) break;
      Push();  // the oldest unpushed row has waited kPushAfterMs
      continue;
    }
    if (!failed_.load(std::memory_order_relaxed)) WriteBatch(*batch);
    pool_->Put(batch);
  }
  if (!failed_.load()) {
    if (absl::Status st = Checkpoint(); !st.ok()) Fail(st);
  }
}

void OutputThread::WriteBatch(const RowBatch& batch) {
  absl::Status st = writer_->Write(absl::MakeConstSpan(batch.rows.data(), batch.count));
  if (!st.ok()) {
    Fail(st);
    return;
  }
  rows_written_ += static_cast<int64_t>(batch.count);
  if (journal_ != nullptr) {
    for (size_t i = 0; i < batch.count; ++i) lines_.push_back(batch.rows[i].line);
  }
  const Clock::time_point now = Clock::now();
  if (!unpushed_) {
    unpushed_ = true;
    unpushed_since_ = now;
  }
  if (SecondsSinceCheckpoint() >= kCheckpointIntervalS) {
    if (absl::Status cst = Checkpoint(); !cst.ok()) Fail(cst);
  } else if (now - unpushed_since_ >= std::chrono::milliseconds(kPushAfterMs)) {
    Push();
  }
}

void OutputThread::Push() {
  unpushed_ = false;
  if (absl::Status st = writer_->Push(); !st.ok()) Fail(st);
}

double OutputThread::SecondsSinceCheckpoint() const {
  return std::chrono::duration<double>(Clock::now() - last_checkpoint_).count();
}

absl::Status OutputThread::Checkpoint() {
  absl::Status st = writer_->Flush();
  unpushed_ = false;
  if (st.ok() && journal_ != nullptr) st = journal_->Commit(&lines_, file_->offset(), writer_->CheckpointState());
  lines_.clear();
  last_checkpoint_ = Clock::now();
  return st;
}

void OutputThread::Fail(absl::Status status) {
  if (failed_.load()) return;
  status_ = std::move(status);
  failed_.store(true);
  if (on_failure_) on_failure_();
}

}  // namespace urlsweep
