// ReportAggregator and HtmlReportWriter: the numbers a report shows (counts by status class and error
// word, nearest-rank percentiles, histograms, throughput buckets, hosts with most errors, certificate
// expiry within 30/90 days) and the page that carries them (escaped, self-contained, machine-readable).
#include "output/report/report_aggregator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "output/report/html_report_writer.h"
#include "core/errors.h"
#include "core/row.h"

namespace urlsweep {
namespace {

constexpr int64_t kStart = 1764433551000000;  // 2025-11-29T16:25:51Z
constexpr int64_t kDay = int64_t{86400} * 1000000;

Row MakeRow(int64_t line, std::string_view host) {
  Row row;
  row.line = line;
  row.url = "http://" + std::string(host) + "/";
  row.host.Set(host);
  row.attempts = 1;
  return row;
}

// The nearest-rank percentile straight from its definition: the smallest value v such that at least
// q of the values are <= v (q = permille / 1000).
double ByDefinition(std::vector<double> values, int permille) {
  std::sort(values.begin(), values.end());
  for (double v : values) {
    const auto at_most = static_cast<int64_t>(std::upper_bound(values.begin(), values.end(), v) - values.begin());
    if (at_most * 1000 >= static_cast<int64_t>(permille) * static_cast<int64_t>(values.size())) return v;
  }
  return values.back();
}

TEST(ReportAggregatorTest, PercentilesAreNearestRank) {
  std::mt19937 random(11);
  for (int n = 1; n <= 300; ++n) {
    ReportAggregator aggregator;
    std::vector<double> values;
    for (int i = 0; i < n; ++i) {
      // Few distinct values, so ties are common.
      const double v = static_cast<double>(random() % 50) * 0.25;
      values.push_back(v);
      Row row = MakeRow(i + 1, "a.test");
      row.ttfb_ms = v;
      aggregator.Add(row);
    }
    const ReportData data = aggregator.Finish(0);
    const StageLatency& ttfb = data.stages[3];
    ASSERT_EQ(ttfb.column, "ttfb_ms");
    ASSERT_EQ(ttfb.count, n);
    EXPECT_EQ(ttfb.p50, ByDefinition(values, 500)) << n;
    EXPECT_EQ(ttfb.p90, ByDefinition(values, 900)) << n;
    EXPECT_EQ(ttfb.p99, ByDefinition(values, 990)) << n;
    EXPECT_EQ(ttfb.min, *std::min_element(values.begin(), values.end()));
    EXPECT_EQ(ttfb.max, *std::max_element(values.begin(), values.end()));
    EXPECT_EQ(data.stages[0].count, 0);
  }
}

TEST(ReportAggregatorTest, KnownPercentiles) {
  ReportAggregator aggregator;
  for (int i = 1; i <= 10; ++i) {
    Row row = MakeRow(i, "a.test");
    row.total_ms = i;
    aggregator.Add(row);
  }
  const ReportData data = aggregator.Finish(0);
  // 10 values 1..10: the 5th, the 9th and the 10th (DuckDB's quantile_disc(x, 0.5 / 0.9 / 0.99)).
  EXPECT_EQ(data.stages[4].p50, 5);
  EXPECT_EQ(data.stages[4].p90, 9);
  EXPECT_EQ(data.stages[4].p99, 10);
}

TEST(ReportAggregatorTest, CountsByStatusClassAndErrorWord) {
  ReportAggregator aggregator;
  const std::optional<int32_t> statuses[] = {200, 204, 301, 404, 404, 500, 999, 0, 101, std::nullopt, std::nullopt};
  int64_t line = 0;
  for (const auto& status : statuses) {
    Row row = MakeRow(++line, "s.test");
    row.status = status;
    aggregator.Add(row);
  }
  const ErrorCode errors[] = {ErrorCode::kDnsNxdomain,    ErrorCode::kDnsNxdomain, ErrorCode::kDnsTimeout,
                              ErrorCode::kConnectRefused, ErrorCode::kTimeout,     ErrorCode::kInvalidUrl};
  for (ErrorCode error : errors) {
    Row row = MakeRow(++line, "e.test");
    row.error = error;
    if (error == ErrorCode::kTimeout) row.status = 200;  // head arrived, body timed out
    if (error == ErrorCode::kInvalidUrl) row.host.Clear();
    aggregator.Add(row);
  }
  const ReportData data = aggregator.Finish(0);
  EXPECT_EQ(data.rows, 17);
  EXPECT_EQ(data.ok_rows, 11);
  EXPECT_EQ(data.error_rows, 6);
  EXPECT_EQ(data.with_status, 10);
  EXPECT_EQ(data.hosts, 2);
  //                                             1xx 2xx 3xx 4xx 5xx other none
  EXPECT_EQ(data.status_classes, (std::array<int64_t, 7>{1, 3, 1, 2, 1, 2, 7}));
  EXPECT_EQ(data.errors[static_cast<size_t>(ErrorCode::kDnsNxdomain)], 2);
  EXPECT_EQ(data.errors[static_cast<size_t>(ErrorCode::kDnsTimeout)], 1);
  EXPECT_EQ(data.errors[static_cast<size_t>(ErrorCode::kConnectRefused)], 1);
  EXPECT_EQ(data.errors[static_cast<size_t>(ErrorCode::kTimeout)], 1);
  EXPECT_EQ(data.errors[static_cast<size_t>(ErrorCode::kNone)], 0);

  const std::string json = HtmlReportWriter::DataJson(data);
  EXPECT_NE(json.find("\"status_classes\":{\"1xx\":1,\"2xx\":3,\"3xx\":1,\"4xx\":2,\"5xx\":1,\"other\":2,\"none\":7}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"errors\":{\"invalid_url\":1,\"dns_nxdomain\":2,\"dns_timeout\":1,\"connect_refused\":1,"
                      "\"timeout\":1}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"error_stages\":{\"input\":1,\"dns\":3,\"connect\":1,\"budget\":1}"), std::string::npos)
      << json;
}

TEST(ReportAggregatorTest, EveryErrorWordHasAStage) {
  for (int code = 1; code < kErrorCodeCount; ++code) {
    const int stage = ErrorStageOf(static_cast<ErrorCode>(code));
    EXPECT_GE(stage, 0) << ErrorName(static_cast<ErrorCode>(code));
    EXPECT_LT(stage, static_cast<int>(kErrorStages.size()));
  }
  EXPECT_EQ(kErrorStages[static_cast<size_t>(ErrorStageOf(ErrorCode::kProxyAuthRequired))], "proxy");
  EXPECT_EQ(kErrorStages[static_cast<size_t>(ErrorStageOf(ErrorCode::kTooManyRedirects))], "redirects");
  EXPECT_EQ(kErrorStages[static_cast<size_t>(ErrorStageOf(ErrorCode::kEmptyResponse))], "exchange");
}

TEST(ReportAggregatorTest, HistogramBuckets) {
  ReportAggregator aggregator;
  const double values[] = {0, 0.05, 0.1, 0.15, 0.2, 0.99, 1, 59999, 60000, 1e9};
  int64_t line = 0;
  for (double v : values) {
    Row row = MakeRow(++line, "a.test");
    row.dns_ms = v;
    aggregator.Add(row);
  }
  const ReportData data = aggregator.Finish(0);
  const auto& h = data.stages[0].histogram;
  EXPECT_EQ(h[0], 2);   // [0, 0.1)
  EXPECT_EQ(h[1], 2);   // [0.1, 0.2)
  EXPECT_EQ(h[2], 1);   // [0.2, 0.5)
  EXPECT_EQ(h[3], 1);   // [0.5, 1)
  EXPECT_EQ(h[4], 1);   // [1, 2)
  EXPECT_EQ(h[18], 1);  // [30000, 60000)
  EXPECT_EQ(h[19], 2);  // 60000 and up
  int64_t sum = 0;
  for (int64_t n : h) sum += n;
  EXPECT_EQ(sum, 10);
}

TEST(ReportAggregatorTest, ThroughputBuckets) {
  ReportAggregator aggregator;
  // 200 rows over 1.99 s (each 10 ms after the previous, taking 5 ms), and one row without a start.
  for (int i = 0; i < 200; ++i) {
    Row row = MakeRow(i + 1, "t.test");
    row.started_at_us = kStart + i * 10000;
    row.total_ms = 5;
    aggregator.Add(row);
  }
  aggregator.Add(MakeRow(201, "t.test"));
  const ReportData data = aggregator.Finish(0);
  EXPECT_EQ(data.timed_rows, 200);
  EXPECT_EQ(*data.first_start_us, kStart);
  EXPECT_EQ(*data.last_end_us, kStart + 199 * 10000 + 5000);
  // 1.995 s: 10 ms buckets would be 200, 20 ms ones are 100 (<= 120).
  EXPECT_EQ(data.bucket_us, 20000);
  ASSERT_EQ(data.completions.size(), 100u);
  for (int64_t n : data.completions) EXPECT_EQ(n, 2);
  const std::string json = HtmlReportWriter::DataJson(data);
  EXPECT_NE(json.find("\"duration_s\":1.995,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"timeline\":{\"start\":\"2025-11-29T16:25:51.000000Z\",\"bucket_ms\":20,"), std::string::npos)
      << json;
}

TEST(ReportAggregatorTest, ThroughputOverMonths) {
  ReportAggregator aggregator;
  Row a = MakeRow(1, "a.test");
  a.started_at_us = kStart;
  Row b = MakeRow(2, "a.test");
  b.started_at_us = kStart + 400 * kDay;
  aggregator.Add(a);
  aggregator.Add(b);
  const ReportData data = aggregator.Finish(0);
  EXPECT_EQ(data.bucket_us % kDay, 0);
  EXPECT_LE(data.completions.size(), static_cast<size_t>(ReportAggregator::kMaxTimelineBuckets));
  EXPECT_EQ(data.completions.front(), 1);
  EXPECT_EQ(data.completions.back(), 1);
}

TEST(ReportAggregatorTest, HostsWithMostErrors) {
  ReportAggregator aggregator;
  int64_t line = 0;
  auto add = [&](std::string_view host, ErrorCode error, int times) {
    for (int i = 0; i < times; ++i) {
      Row row = MakeRow(++line, host);
      row.error = error;
      aggregator.Add(row);
    }
  };
  add("b.test", ErrorCode::kConnectRefused, 3);
  add("b.test", ErrorCode::kNone, 5);
  add("a.test", ErrorCode::kReadTimeout, 2);
  add("a.test", ErrorCode::kDnsTimeout, 2);  // a tie: the word first in docs/errors.md's order wins
  add("c.test", ErrorCode::kTimeout, 1);
  add("ok.test", ErrorCode::kNone, 10);
  for (int i = 0; i < 30; ++i) add(absl::StrCat("many", i, ".test"), ErrorCode::kTimeout, 1);
  const ReportData data = aggregator.Finish(0);
  ASSERT_EQ(data.top_error_hosts.size(), ReportAggregator::kTopErrorHosts);
  EXPECT_EQ(data.top_error_hosts[0].host, "a.test");
  EXPECT_EQ(data.top_error_hosts[0].errors, 4);
  EXPECT_EQ(data.top_error_hosts[0].rows, 4);
  EXPECT_EQ(data.top_error_hosts[0].top_error, ErrorCode::kDnsTimeout);
  EXPECT_EQ(data.top_error_hosts[1].host, "b.test");
  EXPECT_EQ(data.top_error_hosts[1].errors, 3);
  EXPECT_EQ(data.top_error_hosts[1].rows, 8);
  EXPECT_EQ(data.top_error_hosts[1].top_error, ErrorCode::kConnectRefused);
  // Then one error each, by host name.
  EXPECT_EQ(data.top_error_hosts[2].host, "c.test");
  EXPECT_EQ(data.top_error_hosts[3].host, "many0.test");
  EXPECT_EQ(data.top_error_hosts[4].host, "many1.test");
  EXPECT_EQ(data.top_error_hosts[5].host, "many10.test");
  EXPECT_EQ(data.hosts, 34);
}

TEST(ReportAggregatorTest, CertificateExpiryWithin30And90Days) {
  ReportAggregator aggregator;
  int64_t line = 0;
  auto add = [&](std::string_view host, std::optional<int64_t> not_after, int64_t started) {
    Row row = MakeRow(++line, host);
    row.cert_not_after_us = not_after;
    row.started_at_us = started;
    aggregator.Add(row);
  };
  const int64_t reference = kStart + 3600 * int64_t{1000000};  // the last started_at
  add("expired.test", kStart - kDay, kStart);
  add("now.test", reference, kStart);  // expires at the reference itself: expired
  add("soon.test", reference + 30 * kDay, kStart);
  add("later.test", reference + 30 * kDay + 1, kStart);
  add("later.test", reference + 90 * kDay, kStart);  // earliest per host counts
  add("far.test", reference + 91 * kDay, kStart);
  add("twice.test", reference + 200 * kDay, kStart);
  add("twice.test", reference + 5 * kDay, kStart);  // the earliest of a host's certificates
  add("plain.test", std::nullopt, reference);
  const ReportData data = aggregator.Finish(/*now_us=*/0);
  EXPECT_EQ(data.tls_reference_us, reference);
  EXPECT_EQ(data.cert_hosts, 6);
  EXPECT_EQ(data.certs_expired, 2);
  EXPECT_EQ(data.certs_within_30, 2);  // soon, twice
  EXPECT_EQ(data.certs_within_90, 3);  // soon, twice, later
  ASSERT_EQ(data.soonest_certs.size(), 5u);
  EXPECT_EQ(data.soonest_certs[0].host, "expired.test");
  EXPECT_EQ(data.soonest_certs[1].host, "now.test");
  EXPECT_EQ(data.soonest_certs[2].host, "twice.test");
  EXPECT_EQ(data.soonest_certs[3].host, "soon.test");
  EXPECT_EQ(data.soonest_certs[4].host, "later.test");
  EXPECT_EQ(data.soonest_certs[4].not_after_us, reference + 30 * kDay + 1);
}

TEST(ReportAggregatorTest, CertificateReferenceIsNowWithoutStartTimes) {
  ReportAggregator aggregator;
  Row row = MakeRow(1, "x.test");
  row.cert_not_after_us = kStart + 10 * kDay;
  aggregator.Add(row);
  const ReportData data = aggregator.Finish(kStart);
  EXPECT_EQ(data.tls_reference_us, kStart);
  EXPECT_EQ(data.certs_within_30, 1);
}

TEST(HtmlReportWriterTest, PageIsSelfContainedAndEscapesData) {
  ReportAggregator aggregator;
  Row row = MakeRow(1, "</script><img src=x onerror=alert(1)>.test");
  row.error = ErrorCode::kConnectRefused;
  row.status = 200;
  row.total_ms = 12.5;
  row.dns_ms = 0.25;
  row.started_at_us = kStart;
  row.cert_not_after_us = kStart + kDay;
  aggregator.Add(row);
  Row bad_utf8 = MakeRow(2, "bad\xFF.test");
  bad_utf8.error = ErrorCode::kTimeout;
  aggregator.Add(bad_utf8);
  ReportData data = aggregator.Finish(0);
  data.source = "results <1>.csv";
  data.format = "csv";
  const std::string page = HtmlReportWriter::Render(data);

  EXPECT_EQ(page.rfind("<!doctype html>", 0), 0u);
  // Exactly one script element, the JSON block, and nothing from the data ends it or opens a tag.
  EXPECT_NE(page.find("<script type=\"application/json\" id=\"report-data\">{\"source\":\"results \\u003c1>.csv\""),
            std::string::npos);
  size_t scripts = 0;
  for (size_t at = page.find("<script"); at != std::string::npos; at = page.find("<script", at + 1)) ++scripts;
  EXPECT_EQ(scripts, 1u);
  EXPECT_EQ(page.find("</script><img"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;.test"), std::string::npos);
  EXPECT_NE(page.find("\\u003c/script>\\u003cimg src=x onerror=alert(1)>.test"), std::string::npos);
  // Invalid UTF-8 becomes U+FFFD in both the HTML and the JSON.
  EXPECT_NE(page.find("bad\xEF\xBF\xBD.test"), std::string::npos);
  EXPECT_EQ(page.find('\xFF'), std::string::npos);
  // Nothing is fetched: no tag has a src or href attribute, and no URL scheme appears anywhere.
  for (size_t open = page.find('<'); open != std::string::npos; open = page.find('<', open + 1)) {
    const std::string tag = page.substr(open, page.find('>', open) - open);
    EXPECT_EQ(tag.find(" src="), std::string::npos) << tag;
    EXPECT_EQ(tag.find(" href="), std::string::npos) << tag;
  }
  EXPECT_EQ(page.find("http:"), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);
  // Every section is there, each chart an inline SVG.
  for (const char* id : {"totals", "status", "errors", "latency", "throughput", "hosts", "tls"}) {
    EXPECT_NE(page.find(absl::StrCat("<section id=\"", id, "\">")), std::string::npos) << id;
  }
  EXPECT_NE(page.find("<svg class=\"chart\""), std::string::npos);
  EXPECT_NE(page.find("\"latency\":{\"dns_ms\":{\"count\":1,\"min\":0.25,\"p50\":0.25,"), std::string::npos);
  EXPECT_NE(page.find("\"tls_ms\":{\"count\":0,\"min\":null,\"p50\":null,"), std::string::npos);
  EXPECT_NE(page.find("\"tls\":{\"reference\":\"2025-11-29T16:25:51.000000Z\",\"hosts\":1,\"expired\":0,"
                      "\"within_30_days\":1,\"within_90_days\":1,"),
            std::string::npos);
  EXPECT_EQ(page.substr(page.size() - 8), "</html>\n");
}

TEST(HtmlReportWriterTest, EmptyReport) {
  ReportAggregator aggregator;
  ReportData data = aggregator.Finish(kStart);
  data.source = "empty.csv";
  data.format = "csv";
  const std::string page = HtmlReportWriter::Render(data);
  EXPECT_NE(page.find("No row has an error."), std::string::npos);
  EXPECT_NE(page.find("No row has a start time."), std::string::npos);
  EXPECT_NE(page.find("\"rows\":0,"), std::string::npos);
  EXPECT_NE(page.find("\"first_start\":null,"), std::string::npos);
}

}  // namespace
}  // namespace urlsweep
