// ReportAggregator: folds rows, one at a time, into the numbers of a report (ReportData). Pure: no I/O,
// no clock (the caller passes "now" for the one case that needs it).
//
// Memory: percentiles are exact, so every present duration is kept (8 bytes per stage per row, and
// total_ms once more under its host, for the host's median), and the completion time of every timed
// row (8 bytes); plus one entry per distinct host and per distinct server, media type, TLS verdict and
// version. 32 to 56 bytes per row in all: a 10-million-row result needs about 600 MB.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "output/report/report_data.h"
#include "output/report/value_counter.h"
#include "core/row.h"

namespace urlsweep {

// The media type of a Content-Type value (RFC 9110, section 8.3.1: type "/" subtype before any ';'
// and parameters), without surrounding spaces or tabs and in ASCII lower case, as the type and subtype
// are case-insensitive: "Text/HTML; charset=utf-8" is "text/html". Written into *out.
void ContentMediaType(std::string_view content_type, std::string* out);

class ReportAggregator {
 public:
  // Hosts listed under "most errors": a screenful; the JSON block carries the same list.
  static constexpr size_t kTopErrorHosts = 20;
  // Throughput buckets: enough for a readable curve, few enough that each bar is a few pixels wide.
  static constexpr int64_t kMaxTimelineBuckets = 120;
  // Certificates listed as expired or expiring: the counts cover all; the list shows the most urgent.
  static constexpr size_t kMaxListedCerts = 50;
  // "Expires within 30 / 90 days", in microseconds.
  static constexpr int64_t kDay = int64_t{86'400} * 1'000'000;
  static constexpr int64_t kSoonDays = 30;
  static constexpr int64_t kLaterDays = 90;
  // Example rows per error word: enough to see whether a word has one cause or several.
  static constexpr size_t kExamplesPerWord = 3;
  // Slowest hosts and rows listed, and the most frequent values of servers, media types, redirect
  // targets and TLS versions: a screenful each; the JSON block carries the same lists.
  static constexpr size_t kSlowestHosts = 10;
  static constexpr size_t kSlowestRows = 10;
  static constexpr size_t kTopValues = 10;
  // TLS verdicts listed: every tls_verify word the scanner writes (eight, docs/output.md) fits, and a
  // file from elsewhere with a dozen more.
  static constexpr size_t kTopVerdicts = 20;
  // A URL or error_detail quoted as an example is cut at this many bytes (on a character boundary):
  // a kept input line can be 64 MiB, a table cell cannot.
  static constexpr size_t kMaxQuotedBytes = 300;
  // The throughput chart's time axis ends at this percentile of completion times (nearest rank, per
  // mille) plus a tenth of it (so that the end of the bulk shows as an end), when that cuts off more
  // than a third of the full axis: a few slow rows (a server that never answers, a timeout) then no
  // longer squeeze the bulk of the scan into a corner. At most 1% of rows are hidden, and fewer than
  // 100 timed rows are never cut (their 99th percentile is their last).
  static constexpr int64_t kChartPercentile = 990;
  static constexpr int64_t kChartMarginPercent = 10;

  void Add(const Row& row);

  // The report. `now_us` is the TLS reference time only when no row has a started_at (otherwise the
  // last started_at is: a report of an old file judges expiry as of its scan, the same on every run).
  ReportData Finish(int64_t now_us);

 private:
  struct HostTally {
    int64_t rows = 0;
    int64_t errors = 0;
    // Error words of this host and their counts: most hosts fail in one or two ways.
    absl::InlinedVector<std::pair<ErrorCode, int64_t>, 2> words;
    std::optional<int64_t> not_after_us;
    std::vector<double> totals_ms;  // total_ms of its rows, for its median
  };

  void AddExample(const Row& row);
  void AddSlowRow(const Row& row);
  void FinishChart(ReportData* data);
  void FinishSlowestHosts(ReportData* data);

  ReportData data_;
  std::array<std::vector<double>, kStageColumns.size()> stage_values_;
  std::vector<int64_t> end_times_us_;
  std::optional<int64_t> last_start_us_;
  absl::flat_hash_map<std::string, HostTally> hosts_;
  absl::flat_hash_map<int32_t, int64_t> status_codes_;
  absl::flat_hash_map<int32_t, int64_t> redirect_counts_;
  std::vector<SlowRow> slow_rows_;  // a heap: the least slow of the kept rows on top
  ValueCounter redirect_hosts_;
  ValueCounter servers_;
  ValueCounter content_types_;
  ValueCounter tls_verdicts_;
  ValueCounter tls_versions_;
  std::string media_type_;  // reused by Add
};

}  // namespace urlsweep
