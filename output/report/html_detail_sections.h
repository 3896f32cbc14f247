// HtmlDetailSections: the report's sections that go past totals and distributions, down to values
// and rows: status codes, example rows per error word, the slowest hosts and URLs, redirects, servers
// and content types, TLS verdicts and versions; each as HTML (tables and SvgChart bars) and as its part
// of the JSON block. HtmlReportWriter places them on the page. Pure.
#pragma once

#include <string>

#include "output/report/json_builder.h"
#include "output/report/report_data.h"

namespace urlsweep {

class HtmlDetailSections {
 public:
  // Status codes shown in the table; the rest are summed in one line (the JSON block has them all).
  static constexpr size_t kMaxShownStatusCodes = 40;

  // A table of every status code (<table id="status-codes">), for the status section.
  static void StatusCodes(const ReportData& d, std::string* out);
  // Example rows per error word (<table id="error-examples">), for the errors section.
  static void ErrorExamples(const ReportData& d, std::string* out);
  // <section id="slowest">: hosts by median total_ms and the rows with the largest total_ms.
  static void Slowest(const ReportData& d, std::string* out);
  // <section id="redirects">: rows that followed redirects, how many, and where they ended.
  static void Redirects(const ReportData& d, std::string* out);
  // <section id="servers">: the most frequent Server headers and media types.
  static void Servers(const ReportData& d, std::string* out);
  // TLS verdicts (tls_verify) and versions as bars, for the TLS section.
  static void TlsVerification(const ReportData& d, std::string* out);

  // The JSON keys of these sections, top level: status_codes {code: rows}, error_examples {word:
  // [{line, url, detail}]}, slowest_hosts [{host, timed_rows, p50_ms, max_ms}], slowest_urls [{line,
  // url, total_ms, status, error}], redirects {rows, counts {n: rows}, final_hosts TALLY}, servers
  // TALLY, content_types TALLY; where TALLY is {rows, distinct, top [{value, rows}]}.
  static void Json(const ReportData& d, JsonBuilder& j);
  // Inside the "tls" object: verify TALLY, versions TALLY.
  static void TlsJson(const ReportData& d, JsonBuilder& j);
};

}  // namespace urlsweep
