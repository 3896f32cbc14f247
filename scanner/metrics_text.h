// The Prometheus text exposition format (version 0.0.4) of a scan's figures, for GET /metrics
// (--metrics-listen). Pure: a snapshot of plain numbers in, the text out; the live counters it is taken
// from are scanner/live_metrics.h, the server that sends it scanner/metrics_server.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/errors.h"

namespace urlsweep {

// The stages of urlsweep_stage_seconds, in the order of the row's timing columns.
enum class MetricStage : uint8_t { kDns, kConnect, kTls, kTtfb, kTotal };
inline constexpr size_t kMetricStageCount = 5;
// The `stage` label of each MetricStage.
inline constexpr std::array<std::string_view, kMetricStageCount> kMetricStageNames = {"dns", "connect", "tls",
                                                                                     "ttfb", "total"};

// Upper bounds in seconds of urlsweep_stage_seconds' buckets (+Inf follows): 1 ms for a loopback or cached
// answer up to 60 s, beyond the default --timeout of 10 s, in steps of about 1-2.5-5 per decade as in
// Prometheus' own defaults. A histogram's series cost the scraper storage, so they stay few.
inline constexpr std::array<double, 15> kStageBucketBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                              0.5,   1,      2.5,   5,    10,    30,    60};
// Buckets kept per stage: one per bound, and the last one for values above every bound.
inline constexpr size_t kStageBucketCount = kStageBucketBounds.size() + 1;

// The bucket a duration falls in: the first whose bound is >= seconds (Prometheus' `le`); the last one
// for values above every bound. NaN and negative values go to the first.
size_t StageBucketOf(double seconds);

// The status classes of urlsweep_status_total: 1xx..5xx, then "other" for codes outside 100..599.
inline constexpr size_t kStatusClassCount = 6;

struct StageHistogramCounts {
  std::array<uint64_t, kStageBucketCount> buckets{};  // per bucket, not cumulative
  uint64_t sum_ns = 0;                                // sum of the durations counted, nanoseconds
};

// The figures of one scrape.
struct MetricsSnapshot {
  uint64_t lines_read = 0;        // physical input lines read
  uint64_t input_bytes_read = 0;  // bytes read from the inputs (after decompression)
  std::optional<uint64_t> input_bytes;  // their total size, when known (see FormatMetrics)
  std::array<uint64_t, kErrorCodeCount> rows_by_error{};  // index = ErrorCode; kNone = rows without error
  std::array<uint64_t, kStatusClassCount> status_classes{};  // [0..4] = 1xx..5xx, [5] = other codes
  uint64_t in_flight = 0;  // requests on the wire
  uint64_t queued = 0;     // URLs waiting for their host's turn or --rate
  std::array<StageHistogramCounts, kMetricStageCount> stages{};
};

// The text of GET /metrics: for every metric a `# HELP` and a `# TYPE` line, then its samples, each line
// ending in '\n'. Counters end in _total; every error word and status class has its series from the start
// (zero until counted), so rates need no special case for a series that appears later. The histogram's
// buckets are cumulative, end with le="+Inf", and its _count is the +Inf bucket. urlsweep_input_bytes is
// left out when the inputs' size is not known (standard input, a pipe, a compressed file).
std::string FormatMetrics(const MetricsSnapshot& snapshot);

// A label value escaped as the text format asks: backslash, double quote and line feed as \\, \" and \n.
std::string EscapeLabelValue(std::string_view value);

}  // namespace urlsweep
