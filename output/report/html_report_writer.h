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
  //   source, format, sources [{path, format, rows}], rows, ok, errors_total, with_status, hosts,
  //   status_classes {1xx..5xx, other, none}, errors {word: rows} and error_stages {stage: rows} (words and
  //   stages with rows only), latency {dns_ms..total_ms: {count, min, p50, p90, p99, max}} (numbers null
  //   without rows), histograms {stage: {edges_ms, counts}}, timed_rows, first_start, last_end,
  //   duration_s, rows_per_s, timeline {start, bucket_ms, completions, chart {end_ms, bucket_ms,
  //   completions, hidden_rows}}, top_error_hosts [{host, errors, rows, top_error}], the keys of
  //   HtmlDetailSections::Json (status_codes, error_examples, slowest_hosts, slowest_urls, redirects,
  //   servers, content_types), tls {reference, hosts, expired, within_30_days, within_90_days, soonest
  //   [{host, not_after}], verify, versions}, percentile_definition.
  // Strings that may hold a URL (url, error_detail, header values) have ':' and '/' escaped as well.
  static std::string DataJson(const ReportData& data);
};

}  // namespace urlsweep
