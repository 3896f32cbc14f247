// Run statistics for --summary and the progress line.

#include "scanner/stats.h"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace urlsweep {
namespace {

// An ETA beyond this (about 115 days) only means the rate is near zero; the line shows none rather than
// an absurd number (and the cast to an integer stays defined).
constexpr double kMaxEtaSeconds = 1e7;
// An estimated total beyond this is not a count of lines (an input whose first bytes held none); the
// line shows none rather than overflow the integer it is printed as.
constexpr double kMaxCount = 1e18;
// Below this many URLs per second the rate shows one decimal; above, decimals are noise.
constexpr double kRateDecimalsBelow = 10;

std::string WithCommas(uint64_t n) {
  std::string digits = absl::StrCat(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string FormatRate(double per_s) {
  if (!(per_s >= 0) || !std::isfinite(per_s)) return "-";
  if (per_s < kRateDecimalsBelow) return absl::StrFormat("%.1f", per_s);
  if (per_s >= static_cast<double>(std::numeric_limits<uint64_t>::max())) return "-";
  return WithCommas(static_cast<uint64_t>(std::llround(per_s)));
}

// A clock beyond this (about 31,700 years) is a caller's bug; capping keeps the integer cast defined.
constexpr double kMaxClockSeconds = 1e12;

// H:MM:SS, hours unbounded.
std::string FormatClock(double seconds) {
  uint64_t s = seconds > 0 ? static_cast<uint64_t>(std::min(seconds, kMaxClockSeconds) + 0.5) : 0;
  return absl::StrFormat("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
}

// (key, count) pairs, most frequent first, ties by key.
template <typename Key>
void SortByCount(std::vector<std::pair<Key, uint64_t>>* items) {
  std::sort(items->begin(), items->end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
}

void AppendLatencyRow(std::string* out, std::string_view name, const LatencyHistogram& h) {
  if (h.count() == 0) {
    absl::StrAppendFormat(out, "  %-8s %12s %10s %10s %10s %10s\n", name, "0", "-", "-", "-", "-");
    return;
  }
  absl::StrAppendFormat(out, "  %-8s %12s %10.2f %10.2f %10.2f %10.2f\n", name, WithCommas(h.count()),
                        h.Percentile(50), h.Percentile(90), h.Percentile(99), h.max());
}

}  // namespace

int LatencyHistogram::BucketOf(double ms) {
  double x = ms / kMinMs;
  if (!(x >= 1)) return 0;
  int exp = 0;
  double mantissa = std::frexp(x, &exp);  // x = mantissa * 2^exp, mantissa in [0.5, 1)
  int octave = exp - 1;
  if (octave >= kOctaves) return kBucketCount - 1;
  int sub = static_cast<int>((2 * mantissa - 1) * kSubBuckets);
  sub = std::min(sub, kSubBuckets - 1);
  return 1 + octave * kSubBuckets + sub;
}

double LatencyHistogram::BucketMid(int bucket) {
  if (bucket == 0) return kMinMs / 2;
  int octave = (bucket - 1) / kSubBuckets;
  int sub = (bucket - 1) % kSubBuckets;
  double base = std::ldexp(kMinMs, octave);
  return base * (1 + (sub + 0.5) / kSubBuckets);
}

void LatencyHistogram::Add(double ms) {
  if (std::isnan(ms)) return;
  if (ms < 0) ms = 0;
  ++buckets_[BucketOf(ms)];
  if (count_ == 0 || ms < min_) min_ = ms;
  if (count_ == 0 || ms > max_) max_ = ms;
  ++count_;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (int i = 0; i < kBucketCount; ++i) buckets_[i] += other.buckets_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
}

double LatencyHistogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  if (!(p > 0)) return min_;
  if (p >= 100) return max_;
  // Nearest rank: the smallest value with at least p% of the values at or below it. p * count is formed
  // before dividing so that whole percentages of round counts give exact ranks.
  double exact = std::ceil(p * static_cast<double>(count_) / 100);
  uint64_t rank = std::clamp<uint64_t>(static_cast<uint64_t>(exact), 1, count_);
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::clamp(BucketMid(i), min_, max_);
  }
  return max_;
}

void ScanStats::Add(const Row& row) {
  ++rows;
  ++by_error[static_cast<int>(row.error)];
  if (row.status.has_value() && *row.status >= 0 && *row.status < kStatusSlots) {
    ++by_status[*row.status];
  } else {
    ++no_status;
  }
  if (row.dns_ms) dns.Add(*row.dns_ms);
  if (row.connect_ms) connect.Add(*row.connect_ms);
  if (row.tls_ms) tls.Add(*row.tls_ms);
  if (row.ttfb_ms) ttfb.Add(*row.ttfb_ms);
  if (row.total_ms) total.Add(*row.total_ms);
}

void ScanStats::Merge(const ScanStats& other) {
  rows += other.rows;
  for (size_t i = 0; i < by_error.size(); ++i) by_error[i] += other.by_error[i];
  for (size_t i = 0; i < by_status.size(); ++i) by_status[i] += other.by_status[i];
  no_status += other.no_status;
  dns.Merge(other.dns);
  connect.Merge(other.connect);
  tls.Merge(other.tls);
  ttfb.Merge(other.ttfb);
  total.Merge(other.total);
}

std::string FormatSummary(const ScanStats& stats, double elapsed_s) {
  std::string out = absl::StrCat("rows: ", WithCommas(stats.rows), "\n");

  // Status classes 1xx..5xx; codes outside 100..599 are "other".
  std::array<uint64_t, 6> classes{};  // [0] = other, [1..5] = 1xx..5xx
  std::vector<std::pair<int, uint64_t>> codes;
  for (int s = 0; s < ScanStats::kStatusSlots; ++s) {
    uint64_t n = stats.by_status[s];
    if (n == 0) continue;
    codes.emplace_back(s, n);
    classes[s >= 100 && s < 600 ? s / 100 : 0] += n;
  }
  out += "status classes:";
  for (int c = 1; c <= 5; ++c) {
    if (classes[c] > 0) absl::StrAppend(&out, "  ", c, "xx ", WithCommas(classes[c]));
  }
  if (classes[0] > 0) absl::StrAppend(&out, "  other ", WithCommas(classes[0]));
  if (stats.no_status > 0) absl::StrAppend(&out, "  no status ", WithCommas(stats.no_status));
  out += "\n";

  SortByCount(&codes);
  out += "status codes:";
  if (codes.empty()) out += "  -";
  for (const auto& [code, n] : codes) absl::StrAppend(&out, "  ", code, " ", WithCommas(n));
  out += "\n";

  std::vector<std::pair<std::string_view, uint64_t>> errors;
  uint64_t error_rows = 0;
  for (int e = 0; e < kErrorCodeCount; ++e) {
    if (static_cast<ErrorCode>(e) == ErrorCode::kNone || stats.by_error[e] == 0) continue;
    errors.emplace_back(ErrorName(static_cast<ErrorCode>(e)), stats.by_error[e]);
    error_rows += stats.by_error[e];
  }
  SortByCount(&errors);
  absl::StrAppend(&out, "errors: ", WithCommas(error_rows));
  for (const auto& [word, n] : errors)
    absl::StrAppend(&out, "  ", absl::string_view(word.data(), word.size()), " ", WithCommas(n));
  out += "\n";

  absl::StrAppendFormat(&out, "latency ms %12s %10s %10s %10s %10s\n", "count", "p50", "p90", "p99", "max");
  AppendLatencyRow(&out, "dns", stats.dns);
  AppendLatencyRow(&out, "connect", stats.connect);
  AppendLatencyRow(&out, "tls", stats.tls);
  AppendLatencyRow(&out, "ttfb", stats.ttfb);
  AppendLatencyRow(&out, "total", stats.total);

  absl::StrAppendFormat(&out, "elapsed: %.2f s (%s)\n", std::max(elapsed_s, 0.0), FormatClock(elapsed_s));
  absl::StrAppend(&out, "throughput: ",
                  elapsed_s > 0 ? FormatRate(static_cast<double>(stats.rows) / elapsed_s) : "-", " URLs/s\n");
  return out;
}

std::optional<double> ExpectedRows(const ProgressSnapshot& snapshot) {
  if (snapshot.stopped) return std::nullopt;
  if (snapshot.total >= 0) return static_cast<double>(snapshot.total);
  if (snapshot.input_bytes <= 0 || snapshot.input_bytes_read == 0 || snapshot.rows_seen <= 0) {
    return std::nullopt;
  }
  const double share = std::min(
      1.0, static_cast<double>(snapshot.input_bytes_read) / static_cast<double>(snapshot.input_bytes));
  // Rows already finished are certain, whatever the estimate says.
  return std::max(static_cast<double>(snapshot.rows_seen) / share, static_cast<double>(snapshot.done));
}

std::optional<double> PercentDone(const ProgressSnapshot& snapshot) {
  const std::optional<double> expected = ExpectedRows(snapshot);
  if (!expected.has_value()) return std::nullopt;
  if (*expected <= 0) return 100.0;
  return std::clamp(100 * static_cast<double>(snapshot.done) / *expected, 0.0, 100.0);
}

std::optional<double> EtaSeconds(const ProgressSnapshot& snapshot) {
  if (snapshot.final) return std::nullopt;
  const std::optional<double> expected = ExpectedRows(snapshot);
  if (!expected.has_value() || !(snapshot.rate > 0) || !std::isfinite(snapshot.rate)) return std::nullopt;
  const double left = std::max(0.0, *expected - static_cast<double>(snapshot.done));
  const double eta = left / snapshot.rate;
  if (eta > kMaxEtaSeconds) return std::nullopt;
  return eta;
}

std::string FormatProgress(const ProgressSnapshot& snapshot) {
  std::string out = WithCommas(snapshot.done);
  const std::optional<double> expected = ExpectedRows(snapshot);
  if (snapshot.total >= 0 && !snapshot.stopped) {
    absl::StrAppend(&out, "/", WithCommas(static_cast<uint64_t>(snapshot.total)));
  } else if (expected.has_value() && *expected < kMaxCount) {
    absl::StrAppend(&out, "/~", WithCommas(static_cast<uint64_t>(std::llround(*expected))));
  }
  out += " done";
  if (std::optional<double> percent = PercentDone(snapshot)) absl::StrAppendFormat(&out, "  %.1f%%", *percent);
  absl::StrAppend(&out, "  ", FormatRate(snapshot.rate), "/s  ", WithCommas(snapshot.in_flight), " in flight  ",
                  WithCommas(snapshot.queued), " queued  ", WithCommas(snapshot.errors), " errors  ",
                  FormatClock(snapshot.elapsed_s), " elapsed");
  if (std::optional<double> eta = EtaSeconds(snapshot)) absl::StrAppend(&out, "  ETA ", FormatClock(*eta));
  return out;
}

std::string FormatProgressJson(const ProgressSnapshot& snapshot) {
  const auto finite = [](double v) { return std::isfinite(v) ? v : 0.0; };
  std::string out = absl::StrFormat("{\"elapsed_s\":%.3f,\"lines_read\":%d,\"input_bytes_read\":%d",
                                    std::max(0.0, finite(snapshot.elapsed_s)), snapshot.lines_read,
                                    snapshot.input_bytes_read);
  if (snapshot.input_bytes >= 0) absl::StrAppend(&out, ",\"input_bytes\":", snapshot.input_bytes);
  absl::StrAppend(&out, ",\"rows\":", snapshot.done);
  if (snapshot.total >= 0 && !snapshot.stopped) absl::StrAppend(&out, ",\"total\":", snapshot.total);
  if (std::optional<double> percent = PercentDone(snapshot)) {
    absl::StrAppendFormat(&out, ",\"percent\":%.2f", *percent);
  }
  if (std::optional<double> eta = EtaSeconds(snapshot)) absl::StrAppendFormat(&out, ",\"eta_s\":%.1f", *eta);
  absl::StrAppendFormat(&out, ",\"errors\":%d,\"in_flight\":%d,\"queued\":%d,\"rate_per_s\":%.1f",
                        snapshot.errors, snapshot.in_flight, snapshot.queued,
                        std::max(0.0, finite(snapshot.rate)));
  if (snapshot.stopped) out += ",\"stopped\":true";
  if (snapshot.final) out += ",\"final\":true";
  out += "}";
  return out;
}

bool AnyRowMatches(const FailOn& fail_on, const ScanStats& stats) {
  if (fail_on.any_error) {
    // by_error[0] counts the rows without one.
    for (int i = 1; i < kErrorCodeCount; ++i) {
      if (stats.by_error[i] > 0) return true;
    }
  }
  for (ErrorCode code : fail_on.errors) {
    if (stats.by_error[static_cast<int>(code)] > 0) return true;
  }
  for (const auto& [first, last] : fail_on.statuses) {
    for (int status = std::max(first, 0); status <= last && status < ScanStats::kStatusSlots; ++status) {
      if (stats.by_status[status] > 0) return true;
    }
  }
  return false;
}

std::string FormatStopped(int signal, const std::string& output, int64_t rows) {
  const char* name = signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : "a signal";
  return absl::StrCat("urlsweep: stopped by ", name, ": ", output, " holds ",
                      WithCommas(static_cast<uint64_t>(std::max<int64_t>(rows, 0))), rows == 1 ? " row" : " rows",
                      "; the same command with --resume continues it");
}

}  // namespace urlsweep
