#include "output/report/html_detail_sections.h"

#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/errors.h"
#include "core/text.h"
#include "output/report/report_text.h"
#include "output/report/svg_chart.h"

namespace urlsweep {
namespace {

// Two bar charts side by side fill the page's 1,116-pixel content column.
constexpr int kHalfChart = 540;
// Colours: one hue per section; TLS verdicts as traffic lights (verified green, anything else red).
constexpr std::string_view kRedirectColor = "#1565c0";
constexpr std::string_view kServerColor = "#5e35b1";
constexpr std::string_view kTypeColor = "#00838f";
constexpr std::string_view kVerifiedColor = "#2e7d32";
constexpr std::string_view kUnverifiedColor = "#c62828";
constexpr std::string_view kVersionColor = "#455a64";

void Text(std::string_view text, std::string* out) { SvgChart::AppendEscaped(text, out); }
void Inert(std::string_view text, std::string* out) { SvgChart::AppendEscapedInert(text, out); }

// The CSS class of a status code's marker: its class, as the status chart colours them.
std::string_view StatusClassName(int32_t status) {
  if (status >= 100 && status <= 599) {
    static constexpr std::string_view kNames[] = {"s1", "s2", "s3", "s4", "s5"};
    return kNames[status / 100 - 1];
  }
  return "so";
}

// Bars of a tally's most frequent values: "value: rows (share of `whole`)".
std::vector<SvgBar> TallyBars(const ValueTally& tally, int64_t whole, std::string_view color) {
  std::vector<SvgBar> bars;
  for (const CountedValue& v : tally.top) {
    bars.push_back({v.value.empty() ? "(empty)" : v.value, static_cast<double>(v.rows),
                    absl::StrCat(ReportText::Count(v.rows), " (", ReportText::Percent(v.rows, whole), ")"), color});
  }
  return bars;
}

// Under a tally's chart: how many values it has and how many rows the chart leaves out.
void TallyNote(const ValueTally& tally, std::string_view noun, std::string* out) {
  int64_t shown = 0;
  for (const CountedValue& v : tally.top) shown += v.rows;
  absl::StrAppend(out, "<p class=\"sub\">", ReportText::Count(tally.distinct), " distinct ", ToAbsl(noun), " in ",
                  ReportText::Count(tally.rows), tally.rows == 1 ? " row" : " rows");
  if (tally.rows > shown) {
    absl::StrAppend(out, "; ", ReportText::Count(tally.rows - shown), " rows with the ",
                    ReportText::Count(tally.distinct - static_cast<int64_t>(tally.top.size())), " others");
  }
  out->append(".</p>");
}

void TallyJson(const ValueTally& tally, JsonBuilder& j) {
  j.Open('{');
  j.Key("rows");
  j.Int(tally.rows);
  j.Key("distinct");
  j.Int(tally.distinct);
  j.Key("top");
  j.Open('[');
  for (const CountedValue& v : tally.top) {
    j.Open('{');
    j.Key("value");
    j.InertStr(v.value);
    j.Key("rows");
    j.Int(v.rows);
    j.Close('}');
  }
  j.Close(']');
  j.Close('}');
}

// A row's outcome in a word: its error, else its status.
void Outcome(const SlowRow& row, std::string* out) {
  if (row.error != ErrorCode::kNone) {
    absl::StrAppend(out, "<span class=\"w\">", ToAbsl(ErrorName(row.error)), "</span>");
  } else if (row.status) {
    absl::StrAppend(out, "<span class=\"dot ", ToAbsl(StatusClassName(*row.status)), "\"></span>", *row.status);
  } else {
    out->append("-");
  }
}

}  // namespace

void HtmlDetailSections::StatusCodes(const ReportData& d, std::string* out) {
  out->append("<div><h3>Status codes</h3>");
  if (d.status_codes.empty()) {
    out->append("<p class=\"none\">No row has a status.</p></div>");
    return;
  }
  out->append("<table id=\"status-codes\"><tr><th class=\"t\">status</th><th>rows</th><th>share</th></tr>");
  int64_t rest_rows = 0;
  size_t rest_codes = 0;
  for (size_t i = 0; i < d.status_codes.size(); ++i) {
    const auto& [status, rows] = d.status_codes[i];
    if (i >= kMaxShownStatusCodes) {
      rest_rows += rows;
      ++rest_codes;
      continue;
    }
    absl::StrAppend(out, "<tr><td class=\"t\"><span class=\"dot ", ToAbsl(StatusClassName(status)), "\"></span>",
                    status, "</td><td>", ReportText::Count(rows), "</td><td>", ReportText::Percent(rows, d.rows),
                    "</td></tr>");
  }
  if (rest_codes > 0) {
    absl::StrAppend(out, "<tr><td class=\"t none\">", rest_codes, " more codes</td><td>", ReportText::Count(rest_rows),
                    "</td><td>", ReportText::Percent(rest_rows, d.rows), "</td></tr>");
  }
  out->append("</table></div>");
}

void HtmlDetailSections::ErrorExamples(const ReportData& d, std::string* out) {
  out->append(
      "<h3>Examples: the first rows of each error word</h3><table id=\"error-examples\" class=\"wide\"><tr>"
      "<th class=\"t\">error</th><th>line</th><th class=\"t\">url</th><th class=\"t\">error_detail</th></tr>");
  for (int code = 1; code < kErrorCodeCount; ++code) {
    for (const ErrorExample& e : d.error_examples[static_cast<size_t>(code)]) {
      absl::StrAppend(out, "<tr><td class=\"t\"><span class=\"w\">", ToAbsl(ErrorName(static_cast<ErrorCode>(code))),
                      "</span></td><td>", ReportText::Count(e.line), "</td><td class=\"t u\">");
      Inert(e.url, out);
      out->append("</td><td class=\"t u\">");
      if (e.detail) {
        Inert(*e.detail, out);
      } else {
        out->append("<span class=\"none\">none</span>");
      }
      out->append("</td></tr>");
    }
  }
  out->append("</table>");
}

void HtmlDetailSections::Slowest(const ReportData& d, std::string* out) {
  out->append("<section id=\"slowest\"><h2>Slowest hosts and URLs</h2>");
  if (d.slowest_rows.empty()) {
    out->append("<p class=\"none\">No row has a total_ms.</p></section>");
    return;
  }
  out->append(
      "<p class=\"sub\">By total_ms, the time from the first attempt's start to the row's end. Hosts by the "
      "median of their rows (nearest rank), then by their slowest row.</p><div class=\"split\"><div>"
      "<h3>Slowest hosts</h3><table id=\"slowest-hosts\"><tr><th class=\"t\">host</th><th>rows</th>"
      "<th>p50 ms</th><th>max ms</th></tr>");
  for (const SlowHost& h : d.slowest_hosts) {
    out->append("<tr><td class=\"t\">");
    Text(h.host, out);
    absl::StrAppend(out, "</td><td>", ReportText::Count(h.timed_rows), "</td><td>", ReportText::Millis(h.p50_ms),
                    "</td><td>", ReportText::Millis(h.max_ms), "</td></tr>");
  }
  out->append(
      "</table></div><div><h3>Slowest URLs</h3><table id=\"slowest-urls\"><tr><th>total ms</th><th>line</th>"
      "<th class=\"t\">url</th><th class=\"t\">outcome</th></tr>");
  for (const SlowRow& r : d.slowest_rows) {
    absl::StrAppend(out, "<tr><td>", ReportText::Millis(r.total_ms), "</td><td>", ReportText::Count(r.line),
                    "</td><td class=\"t u\">");
    Inert(r.url, out);
    out->append("</td><td class=\"t\">");
    Outcome(r, out);
    out->append("</td></tr>");
  }
  out->append("</table></div></div></section>");
}

void HtmlDetailSections::Redirects(const ReportData& d, std::string* out) {
  out->append("<section id=\"redirects\"><h2>Redirects</h2>");
  if (d.redirected_rows == 0) {
    out->append("<p class=\"none\">No row followed a redirect.</p></section>");
    return;
  }
  absl::StrAppend(out, "<p class=\"sub\"><b data-key=\"redirected\">", ReportText::Count(d.redirected_rows),
                  "</b> rows (", ReportText::Percent(d.redirected_rows, d.rows),
                  ") followed at least one redirect; the host is that of the URL they ended at.</p>"
                  "<div class=\"split\"><div><h3>Redirects followed</h3>");
  std::vector<SvgBar> counts;
  for (const auto& [n, rows] : d.redirect_counts) {
    counts.push_back({absl::StrCat(n, n == 1 ? " redirect" : " redirects"), static_cast<double>(rows),
                      absl::StrCat(ReportText::Count(rows), " (", ReportText::Percent(rows, d.redirected_rows), ")"),
                      kRedirectColor});
  }
  SvgChart::HorizontalBars(counts, kHalfChart, out);
  out->append("</div><div><h3>Where they ended (host)</h3>");
  SvgChart::HorizontalBars(TallyBars(d.redirect_hosts, d.redirected_rows, kRedirectColor), kHalfChart, out);
  TallyNote(d.redirect_hosts, d.redirect_hosts.distinct == 1 ? "host" : "hosts", out);
  out->append("</div></div></section>");
}

void HtmlDetailSections::Servers(const ReportData& d, std::string* out) {
  out->append("<section id=\"servers\"><h2>Servers and content types</h2>");
  if (d.servers.rows == 0 && d.content_types.rows == 0) {
    out->append("<p class=\"none\">No row has a Server or Content-Type header.</p></section>");
    return;
  }
  out->append(
      "<p class=\"sub\">The reported response's Server header and the media type of its Content-Type "
      "(parameters dropped, lower case); shares of the rows with the header.</p><div class=\"split\"><div>"
      "<h3>Server</h3>");
  SvgChart::HorizontalBars(TallyBars(d.servers, d.servers.rows, kServerColor), kHalfChart, out);
  TallyNote(d.servers, d.servers.distinct == 1 ? "server" : "servers", out);
  out->append("</div><div><h3>Content type</h3>");
  SvgChart::HorizontalBars(TallyBars(d.content_types, d.content_types.rows, kTypeColor), kHalfChart, out);
  TallyNote(d.content_types, d.content_types.distinct == 1 ? "media type" : "media types", out);
  out->append("</div></div></section>");
}

void HtmlDetailSections::TlsVerification(const ReportData& d, std::string* out) {
  if (d.tls_verdicts.rows == 0 && d.tls_versions.rows == 0) return;
  out->append(
      "<div class=\"split\"><div><h3>Certificate verification (tls_verify)</h3>"
      "<p class=\"sub\">Rows by verdict: ok, or why verification failed.</p>");
  std::vector<SvgBar> verdicts = TallyBars(d.tls_verdicts, d.tls_verdicts.rows, kVerifiedColor);
  for (SvgBar& bar : verdicts) {
    if (bar.label != "ok") bar.color = kUnverifiedColor;
  }
  SvgChart::HorizontalBars(verdicts, kHalfChart, out);
  out->append("</div><div><h3>TLS version</h3><p class=\"sub\">Rows by the version negotiated.</p>");
  SvgChart::HorizontalBars(TallyBars(d.tls_versions, d.tls_versions.rows, kVersionColor), kHalfChart, out);
  out->append("</div></div>");
}

void HtmlDetailSections::Json(const ReportData& d, JsonBuilder& j) {
  j.Key("status_codes");
  j.Open('{');
  for (const auto& [status, rows] : d.status_codes) {
    j.Key(absl::StrCat(status));
    j.Int(rows);
  }
  j.Close('}');
  j.Key("error_examples");
  j.Open('{');
  for (int code = 1; code < kErrorCodeCount; ++code) {
    const std::vector<ErrorExample>& examples = d.error_examples[static_cast<size_t>(code)];
    if (examples.empty()) continue;
    j.Key(ErrorName(static_cast<ErrorCode>(code)));
    j.Open('[');
    for (const ErrorExample& e : examples) {
      j.Open('{');
      j.Key("line");
      j.Int(e.line);
      j.Key("url");
      j.InertStr(e.url);
      j.Key("detail");
      if (e.detail) {
        j.InertStr(*e.detail);
      } else {
        j.Null();
      }
      j.Close('}');
    }
    j.Close(']');
  }
  j.Close('}');
  j.Key("slowest_hosts");
  j.Open('[');
  for (const SlowHost& h : d.slowest_hosts) {
    j.Open('{');
    j.Key("host");
    j.Str(h.host);
    j.Key("timed_rows");
    j.Int(h.timed_rows);
    j.Key("p50_ms");
    j.Double(h.p50_ms);
    j.Key("max_ms");
    j.Double(h.max_ms);
    j.Close('}');
  }
  j.Close(']');
  j.Key("slowest_urls");
  j.Open('[');
  for (const SlowRow& r : d.slowest_rows) {
    j.Open('{');
    j.Key("line");
    j.Int(r.line);
    j.Key("url");
    j.InertStr(r.url);
    j.Key("total_ms");
    j.Double(r.total_ms);
    j.Key("status");
    if (r.status) {
      j.Int(*r.status);
    } else {
      j.Null();
    }
    j.Key("error");
    if (r.error != ErrorCode::kNone) {
      j.Str(ErrorName(r.error));
    } else {
      j.Null();
    }
    j.Close('}');
  }
  j.Close(']');
  j.Key("redirects");
  j.Open('{');
  j.Key("rows");
  j.Int(d.redirected_rows);
  j.Key("counts");
  j.Open('{');
  for (const auto& [n, rows] : d.redirect_counts) {
    j.Key(absl::StrCat(n));
    j.Int(rows);
  }
  j.Close('}');
  j.Key("final_hosts");
  TallyJson(d.redirect_hosts, j);
  j.Close('}');
  j.Key("servers");
  TallyJson(d.servers, j);
  j.Key("content_types");
  TallyJson(d.content_types, j);
}

void HtmlDetailSections::TlsJson(const ReportData& d, JsonBuilder& j) {
  j.Key("verify");
  TallyJson(d.tls_verdicts, j);
  j.Key("versions");
  TallyJson(d.tls_versions, j);
}

}  // namespace urlsweep
