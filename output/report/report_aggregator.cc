#include "output/report/report_aggregator.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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

// `text` cut to at most `limit` bytes on a UTF-8 character boundary, "..." marking the cut.
std::string Quoted(std::string_view text, size_t limit) {
  if (text.size() <= limit) return std::string(text);
  size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(ToAbsl(text.substr(0, end)), "...");
}

// The order of slowest rows: larger total_ms first, then smaller line, then URL.
bool Slower(const SlowRow& a, const SlowRow& b) {
  if (a.total_ms != b.total_ms) return a.total_ms > b.total_ms;
  if (a.line != b.line) return a.line < b.line;
  return a.url < b.url;
}

// The first throughput bucket width that splits `span` microseconds into at most kMaxTimelineBuckets.
int64_t BucketWidth(int64_t span) {
  for (int64_t candidate : kBucketWidths) {
    if (span / candidate + 1 <= ReportAggregator::kMaxTimelineBuckets) return candidate;
  }
  // Longer than 120 days: whole days per bucket.
  const int64_t day = kBucketWidths.back();
  return (span / (ReportAggregator::kMaxTimelineBuckets - 1) / day + 1) * day;
}

template <typename Map>
std::vector<std::pair<int32_t, int64_t>> Ascending(const Map& counts) {
  std::vector<std::pair<int32_t, int64_t>> out(counts.begin(), counts.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void ContentMediaType(std::string_view content_type, std::string* out) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  const size_t first = type.find_first_not_of(" \t");
  type = first == std::string_view::npos ? std::string_view() : type.substr(first);
  type = type.substr(0, type.find_last_not_of(" \t") + 1);
  out->assign(type.data(), type.size());
  for (char& c : *out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

void ReportAggregator::AddExample(const Row& row) {
  std::vector<ErrorExample>& examples = data_.error_examples[static_cast<size_t>(row.error)];
  auto before = [](int64_t line, std::string_view url, const ErrorExample& e) {
    return line != e.line ? line < e.line : url < std::string_view(e.url);
  };
  if (examples.size() == kExamplesPerWord && !before(row.line, row.url, examples.back())) return;
  ErrorExample example;
  example.line = row.line;
  example.url = Quoted(row.url, kMaxQuotedBytes);
  if (row.error_detail.has_value()) example.detail = Quoted(row.error_detail.view(), kMaxQuotedBytes);
  auto at = std::find_if(examples.begin(), examples.end(),
                         [&](const ErrorExample& e) { return before(row.line, row.url, e); });
  examples.insert(at, std::move(example));
  if (examples.size() > kExamplesPerWord) examples.pop_back();
}

void ReportAggregator::AddSlowRow(const Row& row) {
  SlowRow candidate;
  candidate.line = row.line;
  candidate.total_ms = *row.total_ms;
  if (slow_rows_.size() == kSlowestRows) {
    // Cheap test first: most rows are faster than the least slow one kept.
    if (candidate.total_ms < slow_rows_.front().total_ms) return;
    candidate.url = Quoted(row.url, kMaxQuotedBytes);
    if (!Slower(candidate, slow_rows_.front())) return;
    std::pop_heap(slow_rows_.begin(), slow_rows_.end(), Slower);
    slow_rows_.pop_back();
  } else {
    candidate.url = Quoted(row.url, kMaxQuotedBytes);
  }
  candidate.status = row.status;
  candidate.error = row.error;
  slow_rows_.push_back(std::move(candidate));
  std::push_heap(slow_rows_.begin(), slow_rows_.end(), Slower);
}

void ReportAggregator::Add(const Row& row) {
  ++data_.rows;
  if (row.error == ErrorCode::kNone) {
    ++data_.ok_rows;
  } else {
    ++data_.error_rows;
    ++data_.errors[static_cast<size_t>(row.error)];
  }
  if (row.status) {
    ++data_.with_status;
    ++status_codes_[*row.status];
  }
  if (row.error != ErrorCode::kNone) AddExample(row);
  const bool timed = row.total_ms && !std::isnan(*row.total_ms);
  if (timed) AddSlowRow(row);
  if (row.redirects > 0) {
    ++data_.redirected_rows;
    ++redirect_counts_[row.redirects];
    if (row.host.has_value()) redirect_hosts_.Add(row.host.view());
  }
  if (row.server.has_value()) servers_.Add(row.server.view());
  if (row.content_type.has_value()) {
    ContentMediaType(row.content_type.view(), &media_type_);
    content_types_.Add(media_type_);
  }
  if (row.tls_verify.has_value()) tls_verdicts_.Add(row.tls_verify.view());
  if (row.tls_version.has_value()) tls_versions_.Add(row.tls_version.view());
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
    if (timed) tally.totals_ms.push_back(*row.total_ms);
    if (row.cert_not_after_us && (!tally.not_after_us || *row.cert_not_after_us < *tally.not_after_us)) {
      tally.not_after_us = row.cert_not_after_us;
    }
  }
}

void ReportAggregator::FinishChart(ReportData* out) {
  ReportData& data = *out;
  const int64_t start = data.timeline_start_us;
  const int64_t span = *data.last_end_us - start;
  data.chart_end_us = span;
  data.chart_bucket_us = data.bucket_us;
  data.chart_completions = data.completions;
  data.chart_hidden_rows = 0;
  const int64_t n = static_cast<int64_t>(end_times_us_.size());
  const int64_t k = std::max<int64_t>(1, (n * kChartPercentile + 999) / 1000);
  std::nth_element(end_times_us_.begin(), end_times_us_.begin() + (k - 1), end_times_us_.end());
  const int64_t percentile = end_times_us_[static_cast<size_t>(k - 1)] - start;
  // percentile * (100 + margin) / 100, rounded down, without overflowing for any span.
  const int64_t end = percentile + percentile / 100 * kChartMarginPercent + percentile % 100 * kChartMarginPercent / 100;
  // Cut only when more than a third of the axis would go: a small gain is not worth hiding rows.
  if (end >= span - span / 3) return;
  const int64_t width = BucketWidth(end);
  data.chart_end_us = end;
  data.chart_bucket_us = width;
  data.chart_completions.assign(static_cast<size_t>(end / width + 1), 0);
  for (int64_t time : end_times_us_) {
    const int64_t offset = time - start;
    if (offset > end) {
      ++data.chart_hidden_rows;
    } else {
      ++data.chart_completions[static_cast<size_t>(offset / width)];
    }
  }
}

void ReportAggregator::FinishSlowestHosts(ReportData* out) {
  ReportData& data = *out;
  std::vector<SlowHost> hosts;
  for (auto& [host, tally] : hosts_) {
    if (tally.totals_ms.empty()) continue;
    std::sort(tally.totals_ms.begin(), tally.totals_ms.end());
    SlowHost& h = hosts.emplace_back();
    h.host = host;
    h.timed_rows = static_cast<int64_t>(tally.totals_ms.size());
    h.p50_ms = NearestRank(tally.totals_ms, 500);
    h.max_ms = tally.totals_ms.back();
    std::vector<double>().swap(tally.totals_ms);
  }
  auto slower = [](const SlowHost& a, const SlowHost& b) {
    if (a.p50_ms != b.p50_ms) return a.p50_ms > b.p50_ms;
    if (a.max_ms != b.max_ms) return a.max_ms > b.max_ms;
    return a.host < b.host;
  };
  const size_t top = std::min(hosts.size(), kSlowestHosts);
  std::partial_sort(hosts.begin(), hosts.begin() + static_cast<ptrdiff_t>(top), hosts.end(), slower);
  hosts.resize(top);
  data.slowest_hosts = std::move(hosts);
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
    const int64_t width = BucketWidth(span);
    data.timeline_start_us = start;
    data.bucket_us = width;
    data.completions.assign(static_cast<size_t>(span / width + 1), 0);
    for (int64_t end : end_times_us_) ++data.completions[static_cast<size_t>((end - start) / width)];
    FinishChart(&data);
  }
  std::vector<int64_t>().swap(end_times_us_);

  data.status_codes = Ascending(status_codes_);
  data.redirect_counts = Ascending(redirect_counts_);
  status_codes_.clear();
  redirect_counts_.clear();
  std::sort(slow_rows_.begin(), slow_rows_.end(), Slower);
  data.slowest_rows = std::move(slow_rows_);
  slow_rows_.clear();
  data.redirect_hosts = redirect_hosts_.Finish(kTopValues);
  data.servers = servers_.Finish(kTopValues);
  data.content_types = content_types_.Finish(kTopValues);
  data.tls_verdicts = tls_verdicts_.Finish(kTopVerdicts);
  data.tls_versions = tls_versions_.Finish(kTopValues);
  FinishSlowestHosts(&data);

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
