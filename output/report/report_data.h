// ReportData: every number `urlsweep report` shows, computed by ReportAggregator from the rows and
// rendered by HtmlReportWriter (as charts and tables, and as the page's JSON block). Plain data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/errors.h"

namespace urlsweep {

// Status classes: 1xx..5xx, then a status outside 100..599 ("other"), then no status at all ("none").
inline constexpr std::array<std::string_view, 7> kStatusClassNames = {"1xx", "2xx",   "3xx", "4xx",
                                                                      "5xx", "other", "none"};

// The timing columns, in the order of docs/output.md.
inline constexpr std::array<std::string_view, 5> kStageColumns = {"dns_ms", "connect_ms", "tls_ms", "ttfb_ms",
                                                                  "total_ms"};

// Histogram bucket edges in milliseconds (a 1-2-5 series): bucket 0 is [0, 0.1), bucket i is
// [kEdges[i-1], kEdges[i]), the last one everything from 60 s up. Durations span five orders of
// magnitude (a cached name in microseconds, a dead server in tens of seconds), so the buckets are
// logarithmic; 60 s ends them because it is above every default budget (--timeout 10 s).
inline constexpr std::array<double, 19> kHistogramEdgesMs = {0.1, 0.2, 0.5,  1,    2,    5,     10,    20,    50,   100,
                                                             200, 500, 1000, 2000, 5000, 10000, 20000, 30000, 60000};
inline constexpr size_t kHistogramBuckets = kHistogramEdgesMs.size() + 1;

// Latency of one stage over the rows where it is present. Percentiles are nearest-rank: the k-th
// smallest value with k = ceil(q * count) (at least 1), which is DuckDB's quantile_disc.
struct StageLatency {
  std::string_view column;  // "dns_ms", ...
  int64_t count = 0;
  double min = 0;
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  double max = 0;
  std::array<int64_t, kHistogramBuckets> histogram{};
};

struct HostErrors {
  std::string host;
  int64_t errors = 0;                      // rows of this host with an error
  int64_t rows = 0;                        // all rows of this host
  ErrorCode top_error = ErrorCode::kNone;  // its most frequent error word (ties: the first in docs/errors.md)
  int64_t top_error_rows = 0;
};

struct CertExpiry {
  std::string host;
  int64_t not_after_us = 0;  // the earliest cert_not_after seen for the host
};

// How many rows hold each text of a column, and the most frequent texts (ValueCounter).
struct CountedValue {
  std::string value;
  int64_t rows = 0;
};
struct ValueTally {
  int64_t rows = 0;      // rows with a value
  int64_t distinct = 0;  // distinct values
  std::vector<CountedValue> top;  // most rows first, then by value
};

// A row that shows what an error word means in practice: its URL and error_detail.
struct ErrorExample {
  int64_t line = 0;
  std::string url;
  std::optional<std::string> detail;
};

// A host by the median total_ms of its rows (nearest rank, as the stages' p50).
struct SlowHost {
  std::string host;
  int64_t timed_rows = 0;  // rows of the host with total_ms
  double p50_ms = 0;
  double max_ms = 0;
};

// One of the rows with the largest total_ms.
struct SlowRow {
  int64_t line = 0;
  std::string url;
  double total_ms = 0;
  std::optional<int32_t> status;
  ErrorCode error = ErrorCode::kNone;
};

// One file of a report (a report may read the parts of a sharded run).
struct SourceFile {
  std::string path;    // as named on the command line; "standard input" for '-'
  std::string format;  // "csv", "jsonl", "parquet"
  int64_t rows = 0;
};

struct ReportData {
  std::string source;  // the result files, as named on the command line, joined by ", "
  std::string format;  // "csv", "jsonl", "parquet"; the files' formats joined by ", " when they differ
  std::vector<SourceFile> sources;

  int64_t rows = 0;
  int64_t ok_rows = 0;     // no error
  int64_t error_rows = 0;  // an error word
  int64_t with_status = 0;
  int64_t hosts = 0;  // distinct values of `host`

  std::array<int64_t, kStatusClassNames.size()> status_classes{};
  std::array<int64_t, kErrorCodeCount> errors{};  // index = ErrorCode; [kNone] stays 0

  std::array<StageLatency, kStageColumns.size()> stages;

  // Time: from the first started_at to the last completion (started_at + total_ms).
  int64_t timed_rows = 0;  // rows with started_at
  std::optional<int64_t> first_start_us;
  std::optional<int64_t> last_end_us;
  // Completions per bucket of bucket_us, from timeline_start_us on (rows per second = count / width).
  int64_t timeline_start_us = 0;
  int64_t bucket_us = 0;
  std::vector<int64_t> completions;
  // The chart of that timeline: its time axis ends at `chart_end_us` after timeline_start_us, cut short
  // of the last completion when a few slow rows would otherwise leave most of it empty
  // (ReportAggregator::kChartPercentile); the `chart_hidden_rows` completed later are not drawn.
  int64_t chart_end_us = 0;
  int64_t chart_bucket_us = 0;
  std::vector<int64_t> chart_completions;
  int64_t chart_hidden_rows = 0;

  std::vector<HostErrors> top_error_hosts;  // most errors first, then host name

  std::vector<std::pair<int32_t, int64_t>> status_codes;  // (status, rows), every status seen, ascending
  // Per error word (index = ErrorCode), the rows with the smallest line numbers (then URL).
  std::array<std::vector<ErrorExample>, kErrorCodeCount> error_examples;
  std::vector<SlowHost> slowest_hosts;  // highest median total_ms first, then max, then host
  std::vector<SlowRow> slowest_rows;    // largest total_ms first, then line, then URL

  int64_t redirected_rows = 0;                                // redirects > 0
  std::vector<std::pair<int32_t, int64_t>> redirect_counts;  // (redirects, rows) for redirects > 0, ascending
  ValueTally redirect_hosts;                                  // `host` (of final_url) of the redirected rows
  ValueTally servers;                                         // `server`
  ValueTally content_types;                                   // media type of `content_type` (ContentMediaType)
  ValueTally tls_verdicts;                                    // `tls_verify`: "ok" or why verification failed
  ValueTally tls_versions;                                    // `tls_version`

  // TLS: each host's earliest certificate expiry, against the reference time (the last started_at).
  int64_t tls_reference_us = 0;
  int64_t cert_hosts = 0;
  int64_t certs_expired = 0;              // not_after <= reference
  int64_t certs_within_30 = 0;            // reference < not_after <= reference + 30 days
  int64_t certs_within_90 = 0;            // reference < not_after <= reference + 90 days (the 30 included)
  std::vector<CertExpiry> soonest_certs;  // expired and within 90 days, soonest first
};

}  // namespace urlsweep

namespace urlsweep {

// The stages of the error table in docs/errors.md ("The vocabulary"), in its order.
inline constexpr std::array<std::string_view, 8> kErrorStages = {"input", "dns",      "connect",   "tls",
                                                                 "proxy", "exchange", "redirects", "budget"};

// The index into kErrorStages of the stage a word belongs to (docs/errors.md); -1 for kNone.
constexpr int ErrorStageOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone: return -1;
    case ErrorCode::kInvalidUrl:
    case ErrorCode::kExcluded: return 0;
    case ErrorCode::kDnsNxdomain:
    case ErrorCode::kDnsNodata:
    case ErrorCode::kDnsServfail:
    case ErrorCode::kDnsTimeout:
    case ErrorCode::kDnsError: return 1;
    case ErrorCode::kConnectRefused:
    case ErrorCode::kConnectTimeout:
    case ErrorCode::kConnectUnreachable:
    case ErrorCode::kConnectReset: return 2;
    case ErrorCode::kTlsError:
    case ErrorCode::kTlsTimeout:
    case ErrorCode::kTlsVerify: return 3;
    case ErrorCode::kProxyAuthRequired:
    case ErrorCode::kProxyError: return 4;
    case ErrorCode::kWriteError:
    case ErrorCode::kReadTimeout:
    case ErrorCode::kReadReset:
    case ErrorCode::kEmptyResponse:
    case ErrorCode::kBadResponse: return 5;
    case ErrorCode::kRedirectLoop:
    case ErrorCode::kTooManyRedirects: return 6;
    case ErrorCode::kTimeout: return 7;
  }
  return -1;
}

}  // namespace urlsweep
