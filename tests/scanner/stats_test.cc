#include "scanner/stats.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "core/errors.h"
#include "core/row.h"

namespace urlsweep {
namespace {

// Nearest-rank percentile of a sorted sample: the reference the histogram must match within 1%.
double ReferencePercentile(const std::vector<double>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size()) / 100));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void ExpectPercentilesMatch(const LatencyHistogram& h, std::vector<double> values) {
  std::sort(values.begin(), values.end());
  ASSERT_EQ(h.count(), values.size());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
    double want = ReferencePercentile(values, p);
    EXPECT_NEAR(h.Percentile(p), want, want * 0.01) << "p" << p;
  }
  EXPECT_EQ(h.max(), values.back());
  EXPECT_EQ(h.min(), values.front());
}

TEST(LatencyHistogramTest, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(50), 0);
  EXPECT_EQ(h.max(), 0);
}

TEST(LatencyHistogramTest, LogUniformFrom1usTo1hMatchesReference) {
  std::mt19937_64 rng(12345);
  // log-uniform across the whole precise range: 1 us .. 1 hour, in ms.
  std::uniform_real_distribution<double> exponent(std::log(0.001), std::log(3'600'000.0));
  LatencyHistogram h;
  std::vector<double> values;
  for (int i = 0; i < 100'000; ++i) {
    double v = std::exp(exponent(rng));
    values.push_back(v);
    h.Add(v);
  }
  ExpectPercentilesMatch(h, values);
}

TEST(LatencyHistogramTest, NarrowClusterMatchesReference) {
  // A typical loopback run: values close together, where bucket width matters most.
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(std::log(2.0), 0.3);
  LatencyHistogram h;
  std::vector<double> values;
  for (int i = 0; i < 50'000; ++i) {
    double v = dist(rng);
    values.push_back(v);
    h.Add(v);
  }
  ExpectPercentilesMatch(h, values);
}

TEST(LatencyHistogramTest, EveryPercentileOfSmallSample) {
  LatencyHistogram h;
  std::vector<double> values = {5.0, 1.0, 3.0, 1000.0, 2.0};
  for (double v : values) h.Add(v);
  std::sort(values.begin(), values.end());
  for (int p = 0; p <= 100; ++p) {
    double want = ReferencePercentile(values, p);
    EXPECT_NEAR(h.Percentile(p), want, want * 0.01) << "p" << p;
  }
}

TEST(LatencyHistogramTest, OddValues) {
  LatencyHistogram h;
  h.Add(std::nan(""));
  EXPECT_EQ(h.count(), 0u);
  h.Add(-3);  // clock skew: counted as 0
  h.Add(0);
  h.Add(0.0004);
  EXPECT_EQ(h.count(), 3u);
  EXPECT_EQ(h.Percentile(0), 0);
  EXPECT_LE(h.Percentile(100), 0.0004);
  h.Add(10'000'000);  // beyond an hour: max stays exact
  EXPECT_EQ(h.max(), 10'000'000);
  EXPECT_EQ(h.Percentile(100), 10'000'000);
}

TEST(LatencyHistogramTest, MergeEqualsAddingEverything) {
  std::mt19937_64 rng(99);
  std::exponential_distribution<double> dist(0.05);
  LatencyHistogram a, b, all;
  std::vector<double> values;
  for (int i = 0; i < 20'000; ++i) {
    double v = dist(rng) + 0.01;
    values.push_back(v);
    (i % 3 == 0 ? a : b).Add(v);
    all.Add(v);
  }
  LatencyHistogram merged;
  merged.Merge(a);
  merged.Merge(b);
  merged.Merge(LatencyHistogram());
  EXPECT_EQ(merged.count(), all.count());
  for (double p : {1.0, 50.0, 90.0, 99.0}) EXPECT_EQ(merged.Percentile(p), all.Percentile(p));
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_EQ(merged.min(), all.min());
  ExpectPercentilesMatch(merged, values);
}

Row MakeRow(std::optional<int32_t> status, ErrorCode error, std::optional<double> total_ms) {
  Row row;
  row.status = status;
  row.error = error;
  row.total_ms = total_ms;
  if (total_ms) {
    row.dns_ms = *total_ms / 4;
    row.connect_ms = *total_ms / 4;
    row.ttfb_ms = *total_ms / 2;
  }
  return row;
}

TEST(ScanStatsTest, AddCountsStatusesErrorsAndPresentLatencies) {
  ScanStats s;
  s.Add(MakeRow(200, ErrorCode::kNone, 10));
  s.Add(MakeRow(200, ErrorCode::kNone, 20));
  s.Add(MakeRow(404, ErrorCode::kNone, 30));
  s.Add(MakeRow(std::nullopt, ErrorCode::kDnsNxdomain, std::nullopt));
  s.Add(MakeRow(200, ErrorCode::kReadTimeout, 40));
  EXPECT_EQ(s.rows, 5u);
  EXPECT_EQ(s.by_status[200], 3u);
  EXPECT_EQ(s.by_status[404], 1u);
  EXPECT_EQ(s.no_status, 1u);
  EXPECT_EQ(s.by_error[static_cast<int>(ErrorCode::kNone)], 3u);
  EXPECT_EQ(s.by_error[static_cast<int>(ErrorCode::kDnsNxdomain)], 1u);
  EXPECT_EQ(s.by_error[static_cast<int>(ErrorCode::kReadTimeout)], 1u);
  EXPECT_EQ(s.total.count(), 4u);
  EXPECT_EQ(s.dns.count(), 4u);
  EXPECT_EQ(s.tls.count(), 0u);
  EXPECT_EQ(s.total.max(), 40);
}

TEST(ScanStatsTest, Merge) {
  ScanStats a, b;
  a.Add(MakeRow(200, ErrorCode::kNone, 1));
  b.Add(MakeRow(200, ErrorCode::kNone, 2));
  b.Add(MakeRow(std::nullopt, ErrorCode::kConnectRefused, std::nullopt));
  a.Merge(b);
  EXPECT_EQ(a.rows, 3u);
  EXPECT_EQ(a.by_status[200], 2u);
  EXPECT_EQ(a.no_status, 1u);
  EXPECT_EQ(a.by_error[static_cast<int>(ErrorCode::kConnectRefused)], 1u);
  EXPECT_EQ(a.total.count(), 2u);
  EXPECT_EQ(a.total.max(), 2);
}

// --fail-on: which counted rows make a finished run exit 2.
TEST(AnyRowMatchesTest, ErrorsClassesAndCodes) {
  ScanStats s;
  s.Add(MakeRow(200, ErrorCode::kNone, 1));
  s.Add(MakeRow(404, ErrorCode::kNone, 1));
  s.Add(MakeRow(std::nullopt, ErrorCode::kDnsNxdomain, std::nullopt));
  auto matches = [&](bool any_error, std::vector<ErrorCode> errors, std::vector<std::pair<int, int>> statuses) {
    FailOn f;
    f.any_error = any_error;
    f.errors = std::move(errors);
    f.statuses = std::move(statuses);
    return AnyRowMatches(f, s);
  };
  EXPECT_FALSE(matches(false, {}, {}));
  EXPECT_TRUE(matches(true, {}, {}));
  EXPECT_TRUE(matches(false, {ErrorCode::kDnsNxdomain}, {}));
  EXPECT_FALSE(matches(false, {ErrorCode::kTimeout, ErrorCode::kConnectRefused}, {}));
  EXPECT_TRUE(matches(false, {}, {{400, 499}}));
  EXPECT_FALSE(matches(false, {}, {{500, 599}}));
  EXPECT_TRUE(matches(false, {}, {{500, 599}, {404, 404}}));
  EXPECT_FALSE(matches(false, {}, {{403, 403}}));

  s = ScanStats();
  s.Add(MakeRow(200, ErrorCode::kNone, 1));
  EXPECT_FALSE(matches(true, {ErrorCode::kTimeout}, {{400, 599}}));
  s = ScanStats();
  EXPECT_FALSE(matches(true, {}, {{100, 999}}));
}

std::string LineStartingWith(const std::string& text, const std::string& prefix) {
  for (const std::string& line : std::vector<std::string>(absl::StrSplit(text, '\n'))) {
    if (absl::StartsWith(line, prefix)) return line;
  }
  return "";
}

TEST(FormatSummaryTest, ShowsCountsSortedByFrequency) {
  ScanStats s;
  for (int i = 0; i < 1500; ++i) s.Add(MakeRow(200, ErrorCode::kNone, 10));
  for (int i = 0; i < 3; ++i) s.Add(MakeRow(404, ErrorCode::kNone, 5));
  for (int i = 0; i < 7; ++i) s.Add(MakeRow(301, ErrorCode::kNone, 5));
  s.Add(MakeRow(503, ErrorCode::kNone, 5));
  for (int i = 0; i < 2; ++i) s.Add(MakeRow(std::nullopt, ErrorCode::kConnectRefused, std::nullopt));
  for (int i = 0; i < 4; ++i) s.Add(MakeRow(std::nullopt, ErrorCode::kDnsNxdomain, std::nullopt));
  std::string text = FormatSummary(s, 2.0);

  ASSERT_TRUE(absl::EndsWith(text, "\n"));
  EXPECT_EQ(LineStartingWith(text, "rows:"), "rows: 1,517");
  EXPECT_EQ(LineStartingWith(text, "status classes:"),
            "status classes:  2xx 1,500  3xx 7  4xx 3  5xx 1  no status 6");
  EXPECT_EQ(LineStartingWith(text, "status codes:"), "status codes:  200 1,500  301 7  404 3  503 1");
  EXPECT_EQ(LineStartingWith(text, "errors:"), "errors: 6  dns_nxdomain 4  connect_refused 2");
  EXPECT_EQ(LineStartingWith(text, "throughput:"), "throughput: 759 URLs/s");
  EXPECT_EQ(LineStartingWith(text, "elapsed:"), "elapsed: 2.00 s (0:00:02)");

  // Latency rows: the total stage has 1,511 values, max 10 ms; tls has none.
  std::vector<std::string> total_fields =
      absl::StrSplit(LineStartingWith(text, "  total"), ' ', absl::SkipEmpty());
  ASSERT_EQ(total_fields.size(), 6u);
  EXPECT_EQ(total_fields[1], "1,511");
  EXPECT_EQ(total_fields[2], "10.00");  // p50
  EXPECT_EQ(total_fields[5], "10.00");  // max
  std::vector<std::string> tls_fields =
      absl::StrSplit(LineStartingWith(text, "  tls"), ' ', absl::SkipEmpty());
  ASSERT_EQ(tls_fields.size(), 6u);
  EXPECT_EQ(tls_fields[1], "0");
  EXPECT_EQ(tls_fields[2], "-");
}

TEST(FormatSummaryTest, EmptyRun) {
  std::string text = FormatSummary(ScanStats(), 0);
  EXPECT_EQ(LineStartingWith(text, "rows:"), "rows: 0");
  EXPECT_EQ(LineStartingWith(text, "status codes:"), "status codes:  -");
  EXPECT_EQ(LineStartingWith(text, "errors:"), "errors: 0");
  EXPECT_EQ(LineStartingWith(text, "throughput:"), "throughput: - URLs/s");
}

TEST(FormatProgressTest, UnknownTotal) {
  ProgressSnapshot p;
  p.done = 12345;
  p.in_flight = 1024;
  p.queued = 300;
  p.errors = 56;
  p.rate = 4321.4;
  p.elapsed_s = 3;
  EXPECT_EQ(FormatProgress(p), "12,345 done  4,321/s  1,024 in flight  300 queued  56 errors  0:00:03 elapsed");
}

TEST(FormatProgressTest, KnownTotalShowsPercentAndEta) {
  ProgressSnapshot p;
  p.done = 12345;
  p.total = 100000;
  p.in_flight = 1024;
  p.errors = 56;
  p.rate = 1000;
  p.elapsed_s = 3725;
  // (100,000 - 12,345) / 1,000 = 87.655 s
  EXPECT_EQ(FormatProgress(p),
            "12,345/100,000 done  12.3%  1,000/s  1,024 in flight  0 queued  56 errors  1:02:05 elapsed  ETA 0:01:28");
}

TEST(FormatProgressTest, NoEtaWithoutRateAndSlowRateHasDecimal) {
  ProgressSnapshot p;
  p.done = 5;
  p.total = 10;
  p.rate = 0;
  EXPECT_EQ(FormatProgress(p), "5/10 done  50.0%  0.0/s  0 in flight  0 queued  0 errors  0:00:00 elapsed");
  p.rate = 2.5;
  EXPECT_EQ(FormatProgress(p),
            "5/10 done  50.0%  2.5/s  0 in flight  0 queued  0 errors  0:00:00 elapsed  ETA 0:00:02");
  p.rate = 1e-300;  // near zero: no absurd ETA
  EXPECT_FALSE(absl::StrContains(FormatProgress(p), "ETA"));
}

TEST(FormatProgressTest, EstimateFromBytesBeforeTheInputEnds) {
  ProgressSnapshot p;
  p.done = 100;
  p.rows_seen = 1000;          // rows among the lines read so far
  p.input_bytes_read = 25000;  // a quarter of the input
  p.input_bytes = 100000;
  p.rate = 50;
  // 1,000 rows in a quarter of the bytes: about 4,000 in all; 100 done is 2.5%, 3,900 left at 50/s.
  ASSERT_TRUE(ExpectedRows(p).has_value());
  EXPECT_DOUBLE_EQ(*ExpectedRows(p), 4000);
  EXPECT_DOUBLE_EQ(*PercentDone(p), 2.5);
  EXPECT_DOUBLE_EQ(*EtaSeconds(p), 78);
  EXPECT_EQ(FormatProgress(p),
            "100/~4,000 done  2.5%  50/s  0 in flight  0 queued  0 errors  0:00:00 elapsed  ETA 0:01:18");
  // Once the input is read, the count is exact.
  p.total = 3990;
  EXPECT_DOUBLE_EQ(*ExpectedRows(p), 3990);
  EXPECT_TRUE(absl::StartsWith(FormatProgress(p), "100/3,990 done  2.5%"));
}

TEST(FormatProgressTest, NoEstimateWithoutSizeOrBytes) {
  ProgressSnapshot p;
  p.done = 10;
  p.rows_seen = 20;
  p.input_bytes_read = 500;
  EXPECT_FALSE(ExpectedRows(p).has_value());  // size unknown (standard input)
  p.input_bytes = 1000;
  p.input_bytes_read = 0;
  EXPECT_FALSE(ExpectedRows(p).has_value());  // nothing read yet
  p.input_bytes = 0;
  EXPECT_FALSE(ExpectedRows(p).has_value());
  // An estimate is never below the rows already finished.
  p.input_bytes = 1000;
  p.input_bytes_read = 1000;
  p.rows_seen = 5;
  EXPECT_DOUBLE_EQ(*ExpectedRows(p), 10);
  // An empty input is done at once.
  ProgressSnapshot empty;
  empty.total = 0;
  EXPECT_DOUBLE_EQ(*PercentDone(empty), 100);
}

TEST(FormatProgressTest, StoppedRunShowsNoTotalPercentOrEta) {
  ProgressSnapshot p;
  p.done = 344;
  p.total = 1200;  // what had been read when the signal came: not the run's total
  p.rate = 157;
  p.stopped = true;
  EXPECT_FALSE(ExpectedRows(p).has_value());
  EXPECT_EQ(FormatProgress(p), "344 done  157/s  0 in flight  0 queued  0 errors  0:00:00 elapsed");
  const std::string json = FormatProgressJson(p);
  EXPECT_FALSE(absl::StrContains(json, "total")) << json;
  EXPECT_FALSE(absl::StrContains(json, "percent")) << json;
  EXPECT_FALSE(absl::StrContains(json, "eta_s")) << json;
  EXPECT_TRUE(absl::StrContains(json, "\"stopped\":true")) << json;
}

TEST(FormatProgressJsonTest, EveryFigureWhenKnown) {
  ProgressSnapshot p;
  p.elapsed_s = 2.5;
  p.lines_read = 1200;
  p.input_bytes_read = 25000;
  p.input_bytes = 100000;
  p.rows_seen = 1000;
  p.done = 100;
  p.errors = 3;
  p.in_flight = 8;
  p.queued = 320;
  p.rate = 50;
  EXPECT_EQ(FormatProgressJson(p),
            "{\"elapsed_s\":2.500,\"lines_read\":1200,\"input_bytes_read\":25000,\"input_bytes\":100000,"
            "\"rows\":100,\"percent\":2.50,\"eta_s\":78.0,\"errors\":3,\"in_flight\":8,\"queued\":320,"
            "\"rate_per_s\":50.0}");
}

TEST(FormatProgressJsonTest, UnknownFiguresLeftOutAndFinalMarked) {
  ProgressSnapshot p;
  p.done = 7;
  p.total = 7;
  p.final = true;
  p.rate = 3.25;
  p.elapsed_s = std::numeric_limits<double>::quiet_NaN();
  // Input size unknown: no input_bytes; final: no ETA; NaN never reaches the JSON.
  EXPECT_EQ(FormatProgressJson(p),
            "{\"elapsed_s\":0.000,\"lines_read\":0,\"input_bytes_read\":0,\"rows\":7,\"total\":7,"
            "\"percent\":100.00,\"errors\":0,\"in_flight\":0,\"queued\":0,\"rate_per_s\":3.2,\"final\":true}");
}

}  // namespace
}  // namespace urlsweep
