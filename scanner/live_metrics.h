// LiveMetrics: one loop's counts for GET /metrics, written by its loop thread and read by the metrics
// server's thread at any time. Each counter has one writer, so it is bumped with a relaxed load and store
// (no locked instruction, no lock on the loop); a reader may see one row counted in some series and not
// yet in others, which a scrape a moment later settles.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "core/errors.h"
#include "core/row.h"
#include "scanner/metrics_text.h"

namespace urlsweep {

class LiveMetrics {
 public:
  // The loop thread only: counts one finished row (its error, status class and stage timings).
  void Add(const Row& row);
  // Any thread: adds these counts into `out` (rows, status classes, stage histograms).
  void AddTo(MetricsSnapshot* out) const;

 private:
  struct Stage {
    std::array<std::atomic<uint64_t>, kStageBucketCount> buckets{};
    std::atomic<uint64_t> sum_ns{0};
  };

  static void Bump(std::atomic<uint64_t>* counter, uint64_t n) {
    counter->store(counter->load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void AddStage(MetricStage stage, double ms);

  std::array<std::atomic<uint64_t>, kErrorCodeCount> rows_by_error_{};
  std::array<std::atomic<uint64_t>, kStatusClassCount> status_classes_{};
  std::array<Stage, kMetricStageCount> stages_{};
};

}  // namespace urlsweep
