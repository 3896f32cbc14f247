// HtmlReportWriter: a ReportData as one self-contained HTML page. Everything is inline: the style sheet,
// the charts (SvgChart), and the numbers once more as JSON in <script type="application/json"
// id="report-data">, which browsers never execute and tests and scripts read without parsing prose. The
// page has no script, loads nothing (no src, no external href), and reads the same without JavaScript
// and on paper. Pure: data in, bytes out.
#pragma once

#include <string>

#include "output/report/report_data.h"

namespace urlsweep {

class HtmlReportWriter {
 public:
  // The whole page.
  static std::string Render(const ReportData& data);

  // The JSON object of the report-data block (also valid JSON on its own; '<' is written as \u003c so
  // that no value can end the script element). Keys:
  //   source, format, rows, ok, errors_total, with_status, hosts,
  //   status_classes {1xx..5xx, other, none}, errors {word: rows} and error_stages {stage: rows} (words and
  //   stages with rows only), latency {dns_ms..total_ms: {count, min, p50, p90, p99, max}} (numbers null
  //   without rows), histograms {stage: {edges_ms, counts}}, timed_rows, first_start, last_end,
  //   duration_s, rows_per_s, timeline {start, bucket_ms, completions}, top_error_hosts [{host, errors,
  //   rows, top_error}], tls {reference, hosts, expired, within_30_days, within_90_days, soonest
  //   [{host, not_after}]}, percentile_definition.
  static std::string DataJson(const ReportData& data);
};

}  // namespace urlsweep
