#include "output/report/report_aggregator.h"

#include <algorithm>
#include <cmath>

#include "core/text.h"

namespace urlsweep {
namespace {

// Candidate throughput bucket widths, in microseconds: round numbers a reader can relate to.
constexpr int64_t kMs = 1000;
constexpr int64_t kSecond = 1000 * kMs;
constexpr std::array<int64_t, 24> kBucketWidths = {
    10 * kMs,       20 * kMs,       50 * kMs,        100 * kMs,       200 * kMs,       500 * kMs,
    kSecond,        2 * kSecond,    5 * kSecond,     10 * kSecond,    15 * kSecond,    30 * kSecond,
    60 * kSecond,   120 * kSecond,  300 * kSecond,   600 * kSecond,   900 * kSecond,   1800 * kSecond,
    3600 * kSecond, 7200 * kSecond, 10800 * kSecond, 21600 * kSecond, 43200 * kSecond, 86400 * kSecond};

int StatusClass(const std::optional<int32_t>& status) {
  if (!status) return 6;
  if (*status >= 100 && *status <= 599) return *status / 100 - 1;
  return 5;
}

size_t HistogramBucket(double ms) {
  return static_cast<size_t>(std::upper_bound(kHistogramEdgesMs.begin(), kHistogramEdgesMs.end(), ms) -
                             kHistogramEdgesMs.begin());
}

// Nearest rank: the k-th smallest of `sorted`, k = ceil(count * permille / 1000), at least 1. Integer
// arithmetic, so that 0.9 * 10 is exactly 9 (DuckDB's quantile_disc with a DECIMAL fraction agrees).
double NearestRank(const std::vector<double>& sorted, int64_t permille) {
  const int64_t n = static_cast<int64_t>(sorted.size());
  const int64_t k = std::max<int64_t>(1, (n * permille + 999) / 1000);
  return sorted[static_cast<size_t>(k - 1)];
}

const std::optional<double>& StageValue(const Row& row, size_t stage) {
  switch (stage) {
    case 0: return row.dns_ms;
    case 1: return row.connect_ms;
    case 2: return row.tls_ms;
    case 3: return row.ttfb_ms;
    default: return row.total_ms;
  }
}

}  // namespace

void ReportAggregator::Add(const Row& row) {
  ++data_.rows;
  if (row.error == ErrorCode::kNone) {
    ++data_.ok_rows;
  } else {
    ++data_.error_rows;
    ++data_.errors[static_cast<size_t>(row.error)];
  }
  if (row.status) ++data_.with_status;
  ++data_.status_classes[static_cast<size_t>(StatusClass(row.status))];

  for (size_t stage = 0; stage < kStageColumns.size(); ++stage) {
    const std::optional<double>& value = StageValue(row, stage);
    // NaN has no rank; the writers never write one (a non-finite duration is absent).
    if (!value || std::isnan(*value)) continue;
    stage_values_[stage].push_back(*value);
    ++data_.stages[stage].histogram[HistogramBucket(*value)];
  }

  if (row.started_at_us) {
    const int64_t start = *row.started_at_us;
    ++data_.timed_rows;
    if (!data_.first_start_us || start < *data_.first_start_us) data_.first_start_us = start;
    if (!last_start_us_ || start > *last_start_us_) last_start_us_ = start;
    int64_t end = start;
    if (row.total_ms && std::isfinite(*row.total_ms) && *row.total_ms > 0 &&
        *row.total_ms < static_cast<double>(INT64_MAX / 1000 / 2)) {
      const int64_t total_us = std::llround(*row.total_ms * 1000);
      if (__builtin_add_overflow(start, total_us, &end)) end = start;
    }
    if (!data_.last_end_us || end > *data_.last_end_us) data_.last_end_us = end;
    end_times_us_.push_back(end);
  }

  if (row.host.has_value()) {
    HostTally& tally = hosts_[ToAbsl(row.host.view())];
    ++tally.rows;
    if (row.error != ErrorCode::kNone) {
      ++tally.errors;
      auto it = std::find_if(tally.words.begin(), tally.words.end(),
                             [&](const auto& entry) { return entry.first == row.error; });
      if (it == tally.words.end()) {
        tally.words.emplace_back(row.error, 1);
      } else {
        ++it->second;
      }
    }
    if (row.cert_not_after_us && (!tally.not_after_us || *row.cert_not_after_us < *tally.not_after_us)) {
      tally.not_after_us = row.cert_not_after_us;
    }
  }
}

ReportData ReportAggregator::Finish(int64_t now_us) {
  ReportData data = std::move(data_);
  data_ = ReportData();

  for (size_t stage = 0; stage < kStageColumns.size(); ++stage) {
    StageLatency& s = data.stages[stage];
    s.column = kStageColumns[stage];
    std::vector<double>& values = stage_values_[stage];
    s.count = static_cast<int64_t>(values.size());
    if (values.empty()) continue;
    std::sort(values.begin(), values.end());
    s.min = values.front();
    s.max = values.back();
    s.p50 = NearestRank(values, 500);
    s.p90 = NearestRank(values, 900);
    s.p99 = NearestRank(values, 990);
    std::vector<double>().swap(values);
  }

  if (data.first_start_us) {
    const int64_t start = *data.first_start_us;
    const int64_t span = *data.last_end_us - start;
    int64_t width = 0;
    for (int64_t candidate : kBucketWidths) {
      if (span / candidate + 1 <= kMaxTimelineBuckets) {
        width = candidate;
        break;
      }
    }
    if (width == 0) {
      // Longer than 120 days: whole days per bucket.
      const int64_t day = kBucketWidths.back();
      width = (span / (kMaxTimelineBuckets - 1) / day + 1) * day;
    }
    data.timeline_start_us = start;
    data.bucket_us = width;
    data.completions.assign(static_cast<size_t>(span / width + 1), 0);
    for (int64_t end : end_times_us_) ++data.completions[static_cast<size_t>((end - start) / width)];
  }
  std::vector<int64_t>().swap(end_times_us_);

  data.hosts = static_cast<int64_t>(hosts_.size());
  data.tls_reference_us = last_start_us_ ? *last_start_us_ : now_us;
  const int64_t reference = data.tls_reference_us;
  std::vector<HostErrors> failing;
  for (auto& [host, tally] : hosts_) {
    if (tally.errors > 0) {
      HostErrors& h = failing.emplace_back();
      h.host = host;
      h.errors = tally.errors;
      h.rows = tally.rows;
      for (const auto& [code, count] : tally.words) {
        if (count > h.top_error_rows || (count == h.top_error_rows && code < h.top_error)) {
          h.top_error = code;
          h.top_error_rows = count;
        }
      }
    }
    if (tally.not_after_us) {
      const int64_t not_after = *tally.not_after_us;
      ++data.cert_hosts;
      const bool expired = not_after <= reference;
      const bool within_30 = !expired && not_after - reference <= kSoonDays * kDay;
      const bool within_90 = !expired && not_after - reference <= kLaterDays * kDay;
      data.certs_expired += expired;
      data.certs_within_30 += within_30;
      data.certs_within_90 += within_90;
      if (expired || within_90) data.soonest_certs.push_back({host, not_after});
    }
  }
  auto more_errors = [](const HostErrors& a, const HostErrors& b) {
    return a.errors != b.errors ? a.errors > b.errors : a.host < b.host;
  };
  const size_t top = std::min(failing.size(), kTopErrorHosts);
  std::partial_sort(failing.begin(), failing.begin() + static_cast<ptrdiff_t>(top), failing.end(), more_errors);
  failing.resize(top);
  data.top_error_hosts = std::move(failing);

  auto sooner = [](const CertExpiry& a, const CertExpiry& b) {
    return a.not_after_us != b.not_after_us ? a.not_after_us < b.not_after_us : a.host < b.host;
  };
  const size_t listed = std::min(data.soonest_certs.size(), kMaxListedCerts);
  std::partial_sort(data.soonest_certs.begin(), data.soonest_certs.begin() + static_cast<ptrdiff_t>(listed),
                    data.soonest_certs.end(), sooner);
  data.soonest_certs.resize(listed);

  hosts_.clear();
  last_start_us_.reset();
  return data;
}

}  // namespace urlsweep
