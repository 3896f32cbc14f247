// The hand-offs between the threads of a scan: the input thread parses lines into InputBatches for the
// loop threads, the loop threads hand finished Rows in RowBatches to the output thread. Batches are
// recycled through free lists, so strings keep their capacity and steady-state scanning does not allocate;
// each hand-off costs one short mutex section per batch, not per URL.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <vector>

#include "core/row.h"
#include "scanner/url.h"

namespace urlsweep {

struct InputItem {
  int64_t line = 0;
  std::string text;  // the trimmed line (the `url` column)
  bool valid = false;
  const char* invalid_detail = "";  // static text when !valid
  Target target;                    // when valid
};

// Lines per batch: large enough that the queue's lock is taken rarely, small enough that a slow input
// (a pipe) is not held back; partial batches go out as soon as a loop is starving.
inline constexpr size_t kInputBatchItems = 256;
// Rows per output batch, for the same reasons.
inline constexpr size_t kRowBatchRows = 256;

struct InputBatch {
  std::vector<InputItem> items;  // items[0, count) are filled
  size_t count = 0;
};

struct RowBatch {
  std::vector<Row> rows;  // rows[0, count) are filled
  size_t count = 0;
};

// A bounded FIFO of batch pointers shared by threads. Push blocks while full (the input thread only);
// TryPop never blocks (loop threads must not).
template <typename Batch>
class BatchQueue {
 public:
  explicit BatchQueue(size_t capacity) : capacity_(capacity) {}

  // Blocks while the queue is full. Returns false if the queue was closed meanwhile.
  bool Push(Batch* batch) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
    if (closed_) return false;
    items_.push_back(batch);
    approx_size_.store(items_.size(), std::memory_order_relaxed);
    not_empty_.notify_one();
    return true;
  }
  // Never blocks; ignores the capacity (the caller bounds what it pushes this way).
  void PushNoWait(Batch* batch) {
    std::lock_guard<std::mutex> lock(mu_);
    items_.push_back(batch);
    approx_size_.store(items_.size(), std::memory_order_relaxed);
    not_empty_.notify_one();
  }
  Batch* TryPop() {
    std::lock_guard<std::mutex> lock(mu_);
    return PopLocked();
  }
  // Blocks until a batch arrives or the queue is closed and empty (then nullptr).
  Batch* Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    return PopLocked();
  }
  // Like Pop, but gives up at `deadline`: nullptr then too (closed_and_empty() tells the two apart).
  Batch* PopUntil(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait_until(lock, deadline, [&] { return !items_.empty() || closed_; });
    return PopLocked();
  }
  // No more pushes; poppers drain what is left.
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool closed_and_empty() {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_ && items_.empty();
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return items_.size();
  }
  // Without the lock: for heuristics only (is a consumer starving?).
  size_t approx_size() const { return approx_size_.load(std::memory_order_relaxed); }

 private:
  Batch* PopLocked() {
    if (items_.empty()) return nullptr;
    Batch* b = items_.front();
    items_.pop_front();
    approx_size_.store(items_.size(), std::memory_order_relaxed);
    not_full_.notify_one();
    return b;
  }

  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<Batch*> items_;
  std::atomic<size_t> approx_size_{0};
  size_t capacity_;
  bool closed_ = false;
};

// A thread-safe free list of batches; Get() allocates only when the list is empty (at start-up).
template <typename Batch>
class BatchPool {
 public:
  ~BatchPool() {
    for (Batch* b : free_) delete b;
  }
  Batch* Get(size_t items) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        Batch* b = free_.back();
        free_.pop_back();
        b->count = 0;
        return b;
      }
    }
    auto* b = new Batch;
    Resize(b, items);
    return b;
  }
  void Put(Batch* b) {
    b->count = 0;
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(b);
  }

 private:
  static void Resize(InputBatch* b, size_t n) { b->items.resize(n); }
  static void Resize(RowBatch* b, size_t n) { b->rows.resize(n); }
  std::mutex mu_;
  std::vector<Batch*> free_;
};

}  // namespace urlsweep
