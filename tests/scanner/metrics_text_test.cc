#include "scanner/metrics_text.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "core/errors.h"
#include "core/row.h"
#include "gtest/gtest.h"
#include "scanner/live_metrics.h"

namespace urlsweep {
namespace {

// Sample lines (not comments) of the text: "name{labels}" -> value text.
std::map<std::string, std::string> Samples(const std::string& text) {
  std::map<std::string, std::string> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    const size_t space = line.rfind(' ');
    out[std::string(line.substr(0, space))] = std::string(line.substr(space + 1));
  }
  return out;
}

TEST(StageBucketOfTest, BoundsAreInclusiveUpperEnds) {
  EXPECT_EQ(StageBucketOf(0), 0u);
  EXPECT_EQ(StageBucketOf(-1), 0u);
  EXPECT_EQ(StageBucketOf(std::numeric_limits<double>::quiet_NaN()), 0u);
  EXPECT_EQ(StageBucketOf(0.001), 0u);  // le="0.001" holds 0.001 itself
  EXPECT_EQ(StageBucketOf(0.0011), 1u);
  EXPECT_EQ(StageBucketOf(1), 9u);
  EXPECT_EQ(StageBucketOf(60), kStageBucketBounds.size() - 1);
  EXPECT_EQ(StageBucketOf(61), kStageBucketBounds.size());  // +Inf only
  EXPECT_EQ(StageBucketOf(std::numeric_limits<double>::infinity()), kStageBucketBounds.size());
}

TEST(EscapeLabelValueTest, BackslashQuoteAndNewline) {
  EXPECT_EQ(EscapeLabelValue("plain_word"), "plain_word");
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(EscapeLabelValue(""), "");
}

TEST(FormatMetricsTest, EmptySnapshotHasEverySeriesAtZero) {
  const std::string text = FormatMetrics(MetricsSnapshot{});
  const auto samples = Samples(text);
  EXPECT_EQ(samples.at("urlsweep_lines_read_total"), "0");
  EXPECT_EQ(samples.at("urlsweep_input_bytes_read_total"), "0");
  EXPECT_EQ(samples.count("urlsweep_input_bytes"), 0u);  // size unknown: left out, not 0
  EXPECT_EQ(samples.at("urlsweep_rows_total{error=\"\"}"), "0");
  EXPECT_EQ(samples.at("urlsweep_rows_total{error=\"timeout\"}"), "0");
  EXPECT_EQ(samples.at("urlsweep_rows_total{error=\"invalid_url\"}"), "0");
  for (const char* c : {"1xx", "2xx", "3xx", "4xx", "5xx", "other"}) {
    EXPECT_EQ(samples.at(std::string("urlsweep_status_total{class=\"") + c + "\"}"), "0") << c;
  }
  EXPECT_EQ(samples.at("urlsweep_in_flight"), "0");
  EXPECT_EQ(samples.at("urlsweep_queued"), "0");
  for (std::string_view stage : kMetricStageNames) {
    const std::string s(stage);
    EXPECT_EQ(samples.at("urlsweep_stage_seconds_bucket{stage=\"" + s + "\",le=\"+Inf\"}"), "0");
    EXPECT_EQ(samples.at("urlsweep_stage_seconds_count{stage=\"" + s + "\"}"), "0");
    EXPECT_EQ(samples.at("urlsweep_stage_seconds_sum{stage=\"" + s + "\"}"), "0.000000000");
  }
  // One series per error word (kNone's is error="").
  size_t rows_series = 0;
  for (const auto& [name, value] : samples) rows_series += absl::StartsWith(name, "urlsweep_rows_total{");
  EXPECT_EQ(rows_series, static_cast<size_t>(kErrorCodeCount));
}

TEST(FormatMetricsTest, HelpAndTypeBeforeEachMetricsSamples) {
  MetricsSnapshot s;
  s.input_bytes = 123;
  const std::string text = FormatMetrics(s);
  EXPECT_TRUE(absl::EndsWith(text, "\n"));
  const std::vector<std::pair<std::string, std::string>> types = {
      {"urlsweep_lines_read_total", "counter"},  {"urlsweep_input_bytes_read_total", "counter"},
      {"urlsweep_input_bytes", "gauge"},         {"urlsweep_rows_total", "counter"},
      {"urlsweep_status_total", "counter"},      {"urlsweep_in_flight", "gauge"},
      {"urlsweep_queued", "gauge"},              {"urlsweep_stage_seconds", "histogram"}};
  size_t last = 0;
  for (const auto& [name, type] : types) {
    const std::string help = "# HELP " + name + " ";
    const std::string type_line = "\n# TYPE " + name + " " + type + "\n";
    const size_t h = text.find(help);
    ASSERT_NE(h, std::string::npos) << name;
    EXPECT_GE(h, last) << name << " out of order";
    const size_t t = text.find(type_line, h);
    ASSERT_NE(t, std::string::npos) << name;
    // The TYPE line directly follows its HELP line, and the samples follow both.
    EXPECT_EQ(text.find('\n', h), t) << name;
    last = t;
  }
  EXPECT_NE(text.find("\nurlsweep_input_bytes 123\n"), std::string::npos);
}

TEST(FormatMetricsTest, CountsAndCumulativeBuckets) {
  MetricsSnapshot s;
  s.lines_read = 20000;
  s.input_bytes_read = 654321;
  s.input_bytes = 700000;
  s.rows_by_error[static_cast<size_t>(ErrorCode::kNone)] = 90;
  s.rows_by_error[static_cast<size_t>(ErrorCode::kConnectRefused)] = 10;
  s.status_classes[1] = 80;  // 2xx
  s.status_classes[3] = 10;  // 4xx
  s.in_flight = 8;
  s.queued = 1016;
  StageHistogramCounts& total = s.stages[static_cast<size_t>(MetricStage::kTotal)];
  total.buckets[0] = 5;                      // <= 1 ms
  total.buckets[4] = 3;                      // 10-25 ms
  total.buckets[kStageBucketCount - 1] = 2;  // above 60 s
  total.sum_ns = 130'250'000'000;            // 130.25 s
  const auto samples = Samples(FormatMetrics(s));
  EXPECT_EQ(samples.at("urlsweep_lines_read_total"), "20000");
  EXPECT_EQ(samples.at("urlsweep_input_bytes_read_total"), "654321");
  EXPECT_EQ(samples.at("urlsweep_input_bytes"), "700000");
  EXPECT_EQ(samples.at("urlsweep_rows_total{error=\"\"}"), "90");
  EXPECT_EQ(samples.at("urlsweep_rows_total{error=\"connect_refused\"}"), "10");
  EXPECT_EQ(samples.at("urlsweep_status_total{class=\"2xx\"}"), "80");
  EXPECT_EQ(samples.at("urlsweep_status_total{class=\"4xx\"}"), "10");
  EXPECT_EQ(samples.at("urlsweep_in_flight"), "8");
  EXPECT_EQ(samples.at("urlsweep_queued"), "1016");
  const std::string b = "urlsweep_stage_seconds_bucket{stage=\"total\",le=\"";
  EXPECT_EQ(samples.at(b + "0.001\"}"), "5");
  EXPECT_EQ(samples.at(b + "0.0025\"}"), "5");
  EXPECT_EQ(samples.at(b + "0.025\"}"), "8");
  EXPECT_EQ(samples.at(b + "60\"}"), "8");
  EXPECT_EQ(samples.at(b + "+Inf\"}"), "10");
  EXPECT_EQ(samples.at("urlsweep_stage_seconds_count{stage=\"total\"}"), "10");
  EXPECT_EQ(samples.at("urlsweep_stage_seconds_sum{stage=\"total\"}"), "130.250000000");
  EXPECT_EQ(samples.at("urlsweep_stage_seconds_count{stage=\"dns\"}"), "0");
  // Every bound has its bucket line, in increasing order, then +Inf.
  const std::string text = FormatMetrics(s);
  size_t pos = 0;
  for (const char* le : {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5",
                         "5", "10", "30", "60", "+Inf"}) {
    const size_t at = text.find(b + le + "\"}", pos);
    ASSERT_NE(at, std::string::npos) << le;
    pos = at;
  }
}

TEST(LiveMetricsTest, RowsCountedByErrorClassAndStage) {
  LiveMetrics live;
  Row ok;
  ok.status = 200;
  ok.dns_ms = 0.5;
  ok.connect_ms = 2;
  ok.ttfb_ms = 40;
  ok.total_ms = 45;
  live.Add(ok);
  live.Add(ok);
  Row not_found;
  not_found.status = 404;
  not_found.total_ms = 70000;  // beyond the last bound
  live.Add(not_found);
  Row refused;
  refused.error = ErrorCode::kConnectRefused;
  refused.connect_ms = std::numeric_limits<double>::quiet_NaN();  // ignored, as in ScanStats
  refused.total_ms = 1;
  live.Add(refused);
  Row odd;
  odd.status = 999;
  live.Add(odd);

  MetricsSnapshot s;
  live.AddTo(&s);
  live.AddTo(&s);  // adds, as for the loops of a run
  EXPECT_EQ(s.rows_by_error[static_cast<size_t>(ErrorCode::kNone)], 8u);
  EXPECT_EQ(s.rows_by_error[static_cast<size_t>(ErrorCode::kConnectRefused)], 2u);
  EXPECT_EQ(s.status_classes[1], 4u);
  EXPECT_EQ(s.status_classes[3], 2u);
  EXPECT_EQ(s.status_classes[5], 2u);  // 999: other
  const StageHistogramCounts& dns = s.stages[static_cast<size_t>(MetricStage::kDns)];
  EXPECT_EQ(dns.buckets[0], 4u);
  EXPECT_EQ(dns.sum_ns, 2'000'000u);
  const StageHistogramCounts& connect = s.stages[static_cast<size_t>(MetricStage::kConnect)];
  EXPECT_EQ(connect.buckets[StageBucketOf(0.002)], 4u);
  const StageHistogramCounts& total = s.stages[static_cast<size_t>(MetricStage::kTotal)];
  EXPECT_EQ(total.buckets[StageBucketOf(0.045)], 4u);
  EXPECT_EQ(total.buckets[kStageBucketCount - 1], 2u);
  EXPECT_EQ(total.buckets[0], 2u);  // 1 ms
  EXPECT_EQ(total.sum_ns, 2u * (45'000'000u * 2 + 70'000'000'000u + 1'000'000u));
  const StageHistogramCounts& tls = s.stages[static_cast<size_t>(MetricStage::kTls)];
  for (uint64_t n : tls.buckets) EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace urlsweep
