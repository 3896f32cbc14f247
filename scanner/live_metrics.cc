#include "scanner/live_metrics.h"

#include <cmath>

namespace urlsweep {
namespace {

constexpr double kNsPerMs = 1e6;
constexpr double kMsPerSecond = 1e3;
// A duration beyond this (about 31 years) is not a stage of one URL; capping keeps the integer sum defined.
constexpr double kMaxStageMs = 1e12;

// The slot of MetricsSnapshot::status_classes for a status code.
size_t StatusClassOf(int status) { return status >= 100 && status < 600 ? static_cast<size_t>(status / 100 - 1) : 5; }

}  // namespace

void LiveMetrics::AddStage(MetricStage stage, double ms) {
  if (std::isnan(ms)) return;
  ms = std::fmin(std::fmax(ms, 0.0), kMaxStageMs);
  Stage& s = stages_[static_cast<size_t>(stage)];
  Bump(&s.buckets[StageBucketOf(ms / kMsPerSecond)], 1);
  Bump(&s.sum_ns, static_cast<uint64_t>(std::llround(ms * kNsPerMs)));
}

void LiveMetrics::Add(const Row& row) {
  Bump(&rows_by_error_[static_cast<size_t>(row.error)], 1);
  if (row.status.has_value()) Bump(&status_classes_[StatusClassOf(*row.status)], 1);
  if (row.dns_ms) AddStage(MetricStage::kDns, *row.dns_ms);
  if (row.connect_ms) AddStage(MetricStage::kConnect, *row.connect_ms);
  if (row.tls_ms) AddStage(MetricStage::kTls, *row.tls_ms);
  if (row.ttfb_ms) AddStage(MetricStage::kTtfb, *row.ttfb_ms);
  if (row.total_ms) AddStage(MetricStage::kTotal, *row.total_ms);
}

void LiveMetrics::AddTo(MetricsSnapshot* out) const {
  for (size_t i = 0; i < rows_by_error_.size(); ++i) {
    out->rows_by_error[i] += rows_by_error_[i].load(std::memory_order_relaxed);
  }
  for (size_t i = 0; i < status_classes_.size(); ++i) {
    out->status_classes[i] += status_classes_[i].load(std::memory_order_relaxed);
  }
  for (size_t s = 0; s < kMetricStageCount; ++s) {
    for (size_t b = 0; b < kStageBucketCount; ++b) {
      out->stages[s].buckets[b] += stages_[s].buckets[b].load(std::memory_order_relaxed);
    }
    out->stages[s].sum_ns += stages_[s].sum_ns.load(std::memory_order_relaxed);
  }
}

}  // namespace urlsweep
