// The report's detail sections and what feeds them: Parquet column types (integer widths, signedness,
// timestamp units), value tallies, media types, number formatting, example rows per error word, the
// slowest hosts and rows, redirects, the throughput chart's clip, URL text kept inert in the page,
// and several result files folded into one report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/errors.h"
#include "core/row.h"
#include "output/report/aggregate_results.h"
#include "output/report/html_report_writer.h"
#include "output/report/parquet_column_type.h"
#include "output/report/report_aggregator.h"
#include "output/report/report_text.h"
#include "output/report/row_fields.h"
#include "output/report/value_counter.h"

namespace urlsweep {
namespace {

constexpr int64_t kStart = 1764433551000000;  // 2025-11-29T16:25:51Z
// parquet.thrift values used below.
constexpr int32_t kInt32 = 1;
constexpr int32_t kInt64 = 2;
constexpr int32_t kDouble = 5;
constexpr int32_t kConvertedDate = 6;
constexpr int32_t kConvertedTimestampMillis = 9;
constexpr int32_t kConvertedUint32 = 13;
constexpr int32_t kConvertedInt16 = 16;
constexpr int16_t kLogicalTimestamp = 8;
constexpr int16_t kLogicalInteger = 10;

Row MakeRow(int64_t line, std::string_view host) {
  Row row;
  row.line = line;
  row.url = absl::StrCat("http://", std::string(host), "/", line);
  row.host.Set(host);
  row.attempts = 1;
  return row;
}

ParquetLeafType Leaf(int32_t physical, int32_t converted = -1, int16_t logical = 0) {
  ParquetLeafType leaf;
  leaf.physical_type = physical;
  leaf.converted_type = converted;
  leaf.logical = logical;
  return leaf;
}

TEST(ParquetColumnTypeTest, IntegersOfEitherWidthAndSign) {
  const int port = ColumnIndex("port");
  const int line = ColumnIndex("line");
  for (int column : {port, line}) {
    for (int32_t physical : {kInt32, kInt64}) {
      EXPECT_TRUE(ResolveParquetColumn(column, Leaf(physical)).ok());
      EXPECT_TRUE(ResolveParquetColumn(column, Leaf(physical, kConvertedInt16)).ok());
      EXPECT_TRUE(ResolveParquetColumn(column, Leaf(physical, -1, kLogicalInteger)).ok());
    }
  }
  // INT32 annotated UINT_32 (DuckDB's UINTEGER): the bits are unsigned.
  absl::StatusOr<ParquetIntDecoding> uint32 = ResolveParquetColumn(port, Leaf(kInt32, kConvertedUint32));
  ASSERT_TRUE(uint32.ok());
  EXPECT_EQ(*DecodeParquetInt(*uint32, kInt32, 0xFFFFFFFFu), 4294967295);
  ParquetLeafType unsigned_logical = Leaf(kInt64, -1, kLogicalInteger);
  unsigned_logical.int_signed = false;
  absl::StatusOr<ParquetIntDecoding> uint64 = ResolveParquetColumn(line, unsigned_logical);
  ASSERT_TRUE(uint64.ok());
  EXPECT_EQ(*DecodeParquetInt(*uint64, kInt64, uint64_t{1} << 62), int64_t{1} << 62);
  EXPECT_FALSE(DecodeParquetInt(*uint64, kInt64, ~uint64_t{0}).ok());
  // Signed: the bits sign-extend.
  EXPECT_EQ(*DecodeParquetInt(ParquetIntDecoding(), kInt32, 0xFFFFFFFFu), -1);
  EXPECT_EQ(*DecodeParquetInt(ParquetIntDecoding(), kInt64, ~uint64_t{0}), -1);
  // The logical type wins over the converted type (LogicalTypes.md).
  ParquetLeafType both = Leaf(kInt32, kConvertedUint32, kLogicalInteger);
  EXPECT_FALSE(ResolveParquetColumn(port, both)->is_unsigned);
}

TEST(ParquetColumnTypeTest, TimestampsInEveryUnit) {
  const int started = ColumnIndex("started_at");
  ParquetLeafType millis = Leaf(kInt64, -1, kLogicalTimestamp);
  millis.time_unit = 1;
  ParquetLeafType micros = millis;
  micros.time_unit = 2;
  ParquetLeafType nanos = millis;
  nanos.time_unit = 3;
  const int64_t t = kStart + 123456;
  EXPECT_EQ(*DecodeParquetInt(*ResolveParquetColumn(started, millis), kInt64, (t / 1000)), t / 1000 * 1000);
  EXPECT_EQ(*DecodeParquetInt(*ResolveParquetColumn(started, micros), kInt64, t), t);
  EXPECT_EQ(*DecodeParquetInt(*ResolveParquetColumn(started, nanos), kInt64, t * 1000 + 999), t);
  // Before 1970, nanoseconds round down to their own microsecond.
  EXPECT_EQ(*DecodeParquetInt(*ResolveParquetColumn(started, nanos), kInt64, static_cast<uint64_t>(int64_t{-1})), -1);
  // Unannotated: microseconds, as urlsweep writes; the converted type alone says milliseconds.
  EXPECT_EQ(*DecodeParquetInt(*ResolveParquetColumn(started, Leaf(kInt64)), kInt64, t), t);
  EXPECT_EQ(*DecodeParquetInt(*ResolveParquetColumn(started, Leaf(kInt64, kConvertedTimestampMillis)), kInt64, 5),
            5000);
  // Milliseconds past the microsecond range are an error, not a wrapped value.
  EXPECT_FALSE(DecodeParquetInt(*ResolveParquetColumn(started, millis), kInt64,
                                static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 10))
                   .ok());
}

TEST(ParquetColumnTypeTest, OtherTypesAreRefusedByName) {
  EXPECT_EQ(ResolveParquetColumn(ColumnIndex("port"), Leaf(kDouble)).status().message(),
            "DOUBLE, expected INT32 or INT64");
  EXPECT_EQ(ResolveParquetColumn(ColumnIndex("port"), Leaf(kInt32, kConvertedDate)).status().message(),
            "INT32 annotated DATE, expected an integer");
  EXPECT_EQ(ResolveParquetColumn(ColumnIndex("started_at"), Leaf(kInt32)).status().message(),
            "INT32, expected INT64 (a TIMESTAMP)");
  EXPECT_EQ(ResolveParquetColumn(ColumnIndex("started_at"), Leaf(kInt64, -1, kLogicalInteger)).status().message(),
            "INT64 annotated INTEGER, expected a TIMESTAMP");
  EXPECT_EQ(ResolveParquetColumn(ColumnIndex("total_ms"), Leaf(kInt64)).status().message(),
            "INT64, expected DOUBLE");
  EXPECT_EQ(ResolveParquetColumn(ColumnIndex("url"), Leaf(kInt64)).status().message(), "INT64, expected BYTE_ARRAY");
}

TEST(ValueCounterTest, MostRowsFirstThenByValue) {
  ValueCounter counter;
  for (std::string_view v : {"b", "a", "c", "b", "a", "d", "a"}) counter.Add(v);
  const ValueTally tally = counter.Finish(3);
  EXPECT_EQ(tally.rows, 7);
  EXPECT_EQ(tally.distinct, 4);
  ASSERT_EQ(tally.top.size(), 3u);
  EXPECT_EQ(tally.top[0].value, "a");
  EXPECT_EQ(tally.top[1].value, "b");
  EXPECT_EQ(tally.top[2].value, "c");  // c and d tie at 1: byte order
  EXPECT_EQ(counter.Finish(3).rows, 0);
}

TEST(ReportTextTest, SeparatorsAndMediaTypes) {
  EXPECT_EQ(ReportText::Count(0), "0");
  EXPECT_EQ(ReportText::Count(999), "999");
  EXPECT_EQ(ReportText::Count(1000), "1,000");
  EXPECT_EQ(ReportText::Count(-1234567), "-1,234,567");
  EXPECT_EQ(ReportText::Count(std::numeric_limits<int64_t>::min()), "-9,223,372,036,854,775,808");
  EXPECT_EQ(ReportText::Decimal(9535.66, 1), "9,535.7");
  EXPECT_EQ(ReportText::Decimal(999.96, 1), "1,000.0");
  EXPECT_EQ(ReportText::Decimal(12.25, 1), "12.2");  // binary 12.25 is exact: round half to even
  EXPECT_EQ(ReportText::Decimal(-2165.5, 1), "-2,165.5");
  std::string type;
  ContentMediaType(" Text/HTML ; charset=utf-8", &type);
  EXPECT_EQ(type, "text/html");
  ContentMediaType("application/json", &type);
  EXPECT_EQ(type, "application/json");
  ContentMediaType(";x", &type);
  EXPECT_EQ(type, "");
}

TEST(ReportAggregatorDetailsTest, ExamplesAreTheFirstLinesOfEachWord) {
  ReportAggregator aggregator;
  // Arriving out of line order (a merged or sharded file): the smallest lines are kept.
  for (int64_t line : {9, 4, 7, 1, 8, 2}) {
    Row row = MakeRow(line, "e.test");
    row.error = ErrorCode::kConnectRefused;
    row.error_detail.Set(absl::StrCat("detail ", line));
    aggregator.Add(row);
  }
  Row long_url = MakeRow(100, "e.test");
  long_url.url = "http://e.test/" + std::string(400, 'x') + "\xC3\xA9";
  long_url.error = ErrorCode::kTimeout;
  aggregator.Add(long_url);
  const ReportData data = aggregator.Finish(kStart);
  const std::vector<ErrorExample>& refused = data.error_examples[static_cast<size_t>(ErrorCode::kConnectRefused)];
  ASSERT_EQ(refused.size(), ReportAggregator::kExamplesPerWord);
  EXPECT_EQ(refused[0].line, 1);
  EXPECT_EQ(refused[1].line, 2);
  EXPECT_EQ(refused[2].line, 4);
  EXPECT_EQ(*refused[2].detail, "detail 4");
  const ErrorExample& timeout = data.error_examples[static_cast<size_t>(ErrorCode::kTimeout)][0];
  EXPECT_EQ(timeout.url.size(), ReportAggregator::kMaxQuotedBytes + 3);
  EXPECT_EQ(timeout.url.substr(timeout.url.size() - 3), "...");
  EXPECT_FALSE(timeout.detail.has_value());
  EXPECT_TRUE(data.error_examples[static_cast<size_t>(ErrorCode::kDnsNxdomain)].empty());
}

TEST(ReportAggregatorDetailsTest, SlowestRowsHostsCodesAndRedirects) {
  ReportAggregator aggregator;
  // Host a: 1, 2, ..., 9 ms (median 5); host b: 4, 4, 100 ms (median 4, slowest row 100); host c: 5 ms.
  for (int i = 1; i <= 9; ++i) {
    Row row = MakeRow(i, "a.test");
    row.total_ms = i;
    row.status = i % 2 == 0 ? 200 : 404;
    aggregator.Add(row);
  }
  for (double ms : {4.0, 4.0, 100.0}) {
    Row row = MakeRow(20 + static_cast<int64_t>(ms), "b.test");
    row.total_ms = ms;
    row.redirects = ms > 50 ? 2 : 1;
    row.status = 301;
    aggregator.Add(row);
  }
  Row c = MakeRow(3, "c.test");  // ties a.test's 5 ms row in total_ms... and a line of its own
  c.total_ms = 5;
  aggregator.Add(c);
  const ReportData data = aggregator.Finish(kStart);
  ASSERT_EQ(data.slowest_rows.size(), ReportAggregator::kSlowestRows);
  EXPECT_EQ(data.slowest_rows[0].total_ms, 100);
  EXPECT_EQ(data.slowest_rows[0].status, 301);
  // Equal total_ms: the smaller line first (c.test's line 3 before a.test's line 5).
  std::vector<int64_t> lines;
  for (const SlowRow& r : data.slowest_rows) lines.push_back(r.line);
  EXPECT_EQ(lines, (std::vector<int64_t>{120, 9, 8, 7, 6, 3, 5, 4, 24, 24}));
  ASSERT_EQ(data.slowest_hosts.size(), 3u);
  EXPECT_EQ(data.slowest_hosts[0].host, "a.test");  // median 5, max 9
  EXPECT_EQ(data.slowest_hosts[1].host, "c.test");  // median 5, max 5
  EXPECT_EQ(data.slowest_hosts[2].host, "b.test");  // median 4
  EXPECT_EQ(data.slowest_hosts[2].p50_ms, 4);
  EXPECT_EQ(data.slowest_hosts[2].max_ms, 100);
  EXPECT_EQ(data.status_codes, (std::vector<std::pair<int32_t, int64_t>>{{200, 4}, {301, 3}, {404, 5}}));
  EXPECT_EQ(data.redirected_rows, 3);
  EXPECT_EQ(data.redirect_counts, (std::vector<std::pair<int32_t, int64_t>>{{1, 2}, {2, 1}}));
  ASSERT_EQ(data.redirect_hosts.top.size(), 1u);
  EXPECT_EQ(data.redirect_hosts.top[0].value, "b.test");
}

TEST(ReportAggregatorDetailsTest, ChartClipsAFewSlowRows) {
  ReportAggregator aggregator;
  // 300 rows done within 0.9 s, 3 ending after 30 s.
  for (int i = 0; i < 300; ++i) {
    Row row = MakeRow(i + 1, "f.test");
    row.started_at_us = kStart + i * 3000;
    row.total_ms = 2;
    aggregator.Add(row);
  }
  for (int i = 0; i < 3; ++i) {
    Row row = MakeRow(400 + i, "slow.test");
    row.started_at_us = kStart;
    row.total_ms = 30000 + i;
    aggregator.Add(row);
  }
  const ReportData data = aggregator.Finish(kStart);
  // The 99th percentile (rank 300 of 303) is the last fast row, 899 ms + 2 ms; a tenth more.
  EXPECT_EQ(data.chart_end_us, (299 * 3000 + 2000) * 11 / 10);
  EXPECT_EQ(data.chart_hidden_rows, 3);
  int64_t shown = 0;
  for (int64_t n : data.chart_completions) shown += n;
  EXPECT_EQ(shown, 300);
  EXPECT_EQ(data.chart_bucket_us, 10000);
  // The timeline itself keeps every row.
  int64_t all = 0;
  for (int64_t n : data.completions) all += n;
  EXPECT_EQ(all, 303);
  const std::string page = HtmlReportWriter::Render(data);
  EXPECT_NE(page.find("3 rows after +989 ms not shown (the last at +30.00 s)"), std::string::npos);
}

TEST(ReportAggregatorDetailsTest, FewRowsAreNeverClipped) {
  ReportAggregator aggregator;
  for (int i = 0; i < 50; ++i) {
    Row row = MakeRow(i + 1, "f.test");
    row.started_at_us = kStart + i * 1000;
    row.total_ms = i == 0 ? 60000 : 1;
    aggregator.Add(row);
  }
  const ReportData data = aggregator.Finish(kStart);
  EXPECT_EQ(data.chart_hidden_rows, 0);
  EXPECT_EQ(data.chart_completions, data.completions);
  EXPECT_EQ(data.chart_bucket_us, data.bucket_us);
}

TEST(HtmlDetailSectionsTest, UrlsAreInertTextInHtmlAndJson) {
  ReportAggregator aggregator;
  Row row = MakeRow(1, "u.test");
  row.url = "https://u.test/a?<b>=1";
  row.error = ErrorCode::kReadTimeout;
  row.error_detail.Set("redirect to http://v.test/");
  row.total_ms = 1000;
  row.server.Set("srv/1.0 (+http://w.test)");
  row.tls_verify.Set("self_signed");
  aggregator.Add(row);
  ReportData data = aggregator.Finish(kStart);
  const std::string page = HtmlReportWriter::Render(data);
  EXPECT_EQ(page.find("http:"), std::string::npos);
  EXPECT_EQ(page.find("https:"), std::string::npos);
  EXPECT_EQ(page.find("//"), std::string::npos);
  EXPECT_NE(page.find("https&#58;&#47;&#47;u.test&#47;a?&lt;b&gt;=1"), std::string::npos);
  EXPECT_NE(page.find("\"url\":\"https\\u003a\\/\\/u.test\\/a?\\u003cb>=1\""), std::string::npos);
  EXPECT_NE(page.find("\"verify\":{\"rows\":1,\"distinct\":1,\"top\":[{\"value\":\"self_signed\",\"rows\":1}]}"),
            std::string::npos);
  for (const char* id : {"slowest", "redirects", "servers"}) {
    EXPECT_NE(page.find(absl::StrCat("<section id=\"", id, "\">")), std::string::npos) << id;
  }
  EXPECT_NE(page.find("<table id=\"error-examples\""), std::string::npos);
  // The row has no status: the table is replaced by a sentence.
  EXPECT_EQ(page.find("<table id=\"status-codes\""), std::string::npos);
  EXPECT_NE(page.find("No row has a status."), std::string::npos);
}

class TempFile {
 public:
  TempFile(std::string_view suffix, std::string_view content) {
    path_ = absl::StrCat(testing::TempDir(), "/report_details_", getpid(), "_", counter_++, std::string(suffix));
    std::ofstream(path_) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::string path_;
};

TEST(AggregateResultsTest, SeveralFilesOfMixedFormatsAreOneReport) {
  TempFile csv(".csv",
               "line,url,host,status,redirects,attempts,total_ms\r\n"
               "1,http://a.test/,a.test,200,0,1,5\r\n"
               "3,http://b.test/,b.test,404,0,1,7\r\n");
  TempFile jsonl(".jsonl",
                 "{\"line\":2,\"url\":\"http://a.test/x\",\"host\":\"a.test\",\"status\":200,\"redirects\":0,"
                 "\"attempts\":1,\"total_ms\":9}\n");
  absl::StatusOr<ReportData> data = AggregateResults({csv.path(), jsonl.path()}, std::nullopt, kStart);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->rows, 3);
  EXPECT_EQ(data->hosts, 2);
  EXPECT_EQ(data->status_codes, (std::vector<std::pair<int32_t, int64_t>>{{200, 2}, {404, 1}}));
  ASSERT_EQ(data->sources.size(), 2u);
  EXPECT_EQ(data->sources[0].format, "csv");
  EXPECT_EQ(data->sources[0].rows, 2);
  EXPECT_EQ(data->sources[1].format, "jsonl");
  EXPECT_EQ(data->sources[1].rows, 1);
  EXPECT_EQ(data->format, "csv, jsonl");
  EXPECT_EQ(data->source, absl::StrCat(csv.path(), ", ", jsonl.path()));
  EXPECT_EQ(data->stages[4].p50, 7);

  EXPECT_EQ(AggregateResults({"-", "-"}, std::nullopt, kStart).status().message(),
            "standard input ('-') can be read once only");
  absl::StatusOr<ReportData> missing = AggregateResults({csv.path(), "/nonexistent/x.csv"}, std::nullopt, kStart);
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace urlsweep
