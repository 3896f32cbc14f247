#include "scanner/output_thread.h"

#include <utility>

#include "absl/types/span.h"
#include "scanner/scan.h"

namespace urlsweep {

OutputThread::OutputThread(RowWriter* writer, OutputFile* file, Journal* journal, BatchQueue<RowBatch>* rows,
                           BatchPool<RowBatch>* pool)
    : writer_(writer), file_(file), journal_(journal), rows_(rows), pool_(pool) {
  thread_ = std::thread([this] { Loop(); });
}

absl::Status OutputThread::Join() {
  thread_.join();
  return status_;
}

void OutputThread::Loop() {
  last_checkpoint_ = std::chrono::steady_clock::now();
  while (RowBatch* batch = rows_->Pop()) {
    if (!failed_.load(std::memory_order_relaxed)) {
      absl::Status st = writer_->Write(absl::MakeConstSpan(batch->rows.data(), batch->count));
      if (!st.ok()) Fail(st);
      if (journal_ != nullptr) {
        for (size_t i = 0; i < batch->count; ++i) lines_.push_back(batch->rows[i].line);
      }
      if (st.ok() && SecondsSinceCheckpoint() >= kCheckpointIntervalS) {
        if (absl::Status cst = Checkpoint(); !cst.ok()) Fail(cst);
      }
    }
    pool_->Put(batch);
  }
  if (!failed_.load()) {
    if (absl::Status st = Checkpoint(); !st.ok()) Fail(st);
  }
}

double OutputThread::SecondsSinceCheckpoint() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - last_checkpoint_).count();
}

absl::Status OutputThread::Checkpoint() {
  absl::Status st = writer_->Flush();
  if (st.ok() && journal_ != nullptr) st = journal_->Commit(&lines_, file_->offset(), writer_->CheckpointState());
  lines_.clear();
  last_checkpoint_ = std::chrono::steady_clock::now();
  return st;
}

void OutputThread::Fail(absl::Status status) {
  status_ = std::move(status);
  failed_.store(true);
}

}  // namespace urlsweep
