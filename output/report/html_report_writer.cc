#include "output/report/html_report_writer.h"

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/text.h"
#include "output/jsonl_writer.h"
#include "output/report/html_detail_sections.h"
#include "output/report/json_builder.h"
#include "output/report/report_text.h"
#include "output/report/svg_chart.h"
#include "output/text_format.h"
#include "core/options.h"
#include "core/errors.h"

namespace urlsweep {
namespace {

// Chart widths in CSS pixels: the page is laid out for a 1200-pixel column, bar charts sit two to a row
// (a chart beside a table or another chart), and the histograms three to a row.
constexpr int kWideChart = 1100;
constexpr int kBarChart = 560;
constexpr int kSmallChart = 350;
constexpr int kSmallChartHeight = 170;
constexpr int kTimelineHeight = 240;

// Colours: status classes as traffic lights (success green, client errors orange, server errors red),
// error stages one hue each.
constexpr std::string_view kStatusColors[] = {"#8d8d8d", "#2e7d32", "#1565c0", "#ef6c00",
                                              "#c62828", "#6d4c41", "#455a64"};
constexpr std::string_view kStageColors[] = {"#6d4c41", "#8e24aa", "#c62828", "#ad1457",
                                             "#5d4037", "#ef6c00", "#1565c0", "#37474f"};
constexpr std::string_view kLatencyColor = "#3949ab";
constexpr std::string_view kThroughputColor = "#00897b";

constexpr std::string_view kPercentileDefinition =
    "nearest rank: the k-th smallest value with k = ceil(q * n), at least 1 (DuckDB quantile_disc)";

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1f2328; background: #f6f8fa; margin: 0; }
main { max-width: 1200px; margin: 0 auto; padding: 16px 24px 40px; }
h1 { font-size: 26px; margin: 8px 0 2px; }
h2 { font-size: 19px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 12px 0 4px; color: #57606a; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 14px 18px; margin: 14px 0; }
.sub { color: #57606a; margin: 0 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 8px 12px; background: #fbfcfd; }
.card .n { font-size: 22px; font-weight: 600; white-space: nowrap; }
.card .k { color: #57606a; font-size: 12px; }
table { border-collapse: collapse; margin: 6px 0; }
th, td { padding: 3px 10px; border-bottom: 1px solid #eaeef2; text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f6f8fa; }
td.t, th.t { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 8px 18px; }
.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: #1f2328; }
.chart text.tick { fill: #57606a; font-size: 11px; }
.chart .axis { stroke: #8c959f; stroke-width: 1; }
.chart text.note { fill: #9a6700; font-size: 12px; font-weight: 600; }
.none { color: #57606a; font-style: italic; }
.split { display: flex; flex-wrap: wrap; gap: 4px 36px; align-items: flex-start; }
.split > div { min-width: 0; }
td.u { max-width: 480px; overflow-wrap: anywhere; text-align: left; font-size: 13px; }
table.wide td.u { max-width: 420px; }
.w { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; background: #f6f8fa; border: 1px solid #eaeef2;
     border-radius: 4px; padding: 0 5px; white-space: nowrap; }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 7px; }
.s1 { background: #8d8d8d; } .s2 { background: #2e7d32; } .s3 { background: #1565c0; }
.s4 { background: #ef6c00; } .s5 { background: #c62828; } .so { background: #6d4c41; }
.files { margin: 0 0 4px; padding-left: 18px; color: #57606a; }
footer { color: #57606a; font-size: 12px; margin-top: 18px; }
@media print { body { background: #fff; } section { break-inside: avoid; } }
)css";

double DurationSeconds(const ReportData& d) {
  if (!d.first_start_us || !d.last_end_us) return 0;
  return static_cast<double>(*d.last_end_us - *d.first_start_us) / 1e6;
}

double RowsPerSecond(const ReportData& d) {
  const double seconds = DurationSeconds(d);
  return seconds > 0 ? static_cast<double>(d.timed_rows) / seconds : 0;
}

// --- HTML sections ---------------------------------------------------------------------------------

void Escaped(std::string_view text, std::string* out) { SvgChart::AppendEscaped(text, out); }

void Card(std::string_view key, std::string_view label, std::string_view value, std::string* out) {
  absl::StrAppend(out, "<div class=\"card\" data-key=\"", ToAbsl(key), "\"><div class=\"n\">");
  Escaped(value, out);
  out->append("</div><div class=\"k\">");
  Escaped(label, out);
  out->append("</div></div>");
}

void Totals(const ReportData& d, std::string* out) {
  out->append("<section id=\"totals\"><h2>Totals</h2><div class=\"cards\">");
  Card("rows", "rows", ReportText::Count(d.rows), out);
  Card("ok", absl::StrCat("without error (", ReportText::Percent(d.ok_rows, d.rows), ")"), ReportText::Count(d.ok_rows), out);
  Card("errors_total", absl::StrCat("with an error (", ReportText::Percent(d.error_rows, d.rows), ")"), ReportText::Count(d.error_rows),
       out);
  Card("with_status", "with an HTTP status", ReportText::Count(d.with_status), out);
  Card("hosts", "distinct hosts", ReportText::Count(d.hosts), out);
  if (d.first_start_us) {
    Card("duration_s", "first start to last completion", ReportText::Duration(DurationSeconds(d)), out);
    Card("rows_per_s", "rows per second", ReportText::Decimal(RowsPerSecond(d), 1), out);
  }
  out->append("</div></section>");
}

void StatusClasses(const ReportData& d, std::string* out) {
  out->append("<section id=\"status\"><h2>Status</h2>");
  out->append(
      "<p class=\"sub\">The HTTP status of each row's reported response; \"none\" means no response "
      "was read, \"other\" a status outside 100-599.</p>");
  std::vector<SvgBar> bars;
  for (size_t i = 0; i < kStatusClassNames.size(); ++i) {
    const int64_t n = d.status_classes[i];
    bars.push_back({std::string(kStatusClassNames[i]), static_cast<double>(n),
                    absl::StrCat(ReportText::Count(n), " (", ReportText::Percent(n, d.rows), ")"), kStatusColors[i]});
  }
  out->append("<div class=\"split\"><div><h3>Status classes</h3>");
  SvgChart::HorizontalBars(bars, kBarChart, out);
  out->append("</div>");
  HtmlDetailSections::StatusCodes(d, out);
  out->append("</div></section>");
}

void Errors(const ReportData& d, std::string* out) {
  out->append("<section id=\"errors\"><h2>Errors by stage</h2>");
  if (d.error_rows == 0) {
    out->append("<p class=\"none\">No row has an error.</p></section>");
    return;
  }
  std::vector<SvgBar> stage_bars;
  std::vector<int64_t> by_stage(kErrorStages.size(), 0);
  for (int code = 1; code < kErrorCodeCount; ++code) {
    by_stage[static_cast<size_t>(ErrorStageOf(static_cast<ErrorCode>(code)))] += d.errors[static_cast<size_t>(code)];
  }
  for (size_t s = 0; s < kErrorStages.size(); ++s) {
    if (by_stage[s] == 0) continue;
    stage_bars.push_back({std::string(kErrorStages[s]), static_cast<double>(by_stage[s]),
                          absl::StrCat(ReportText::Count(by_stage[s]), " (", ReportText::Percent(by_stage[s], d.rows), " of rows)"),
                          kStageColors[s]});
  }
  out->append("<div class=\"split\"><div><h3>Rows with an error, by stage</h3>");
  SvgChart::HorizontalBars(stage_bars, kBarChart, out);
  out->append("</div><div><h3>By error word</h3>");
  std::vector<SvgBar> word_bars;
  for (size_t s = 0; s < kErrorStages.size(); ++s) {
    for (int code = 1; code < kErrorCodeCount; ++code) {
      const auto error = static_cast<ErrorCode>(code);
      const int64_t n = d.errors[static_cast<size_t>(code)];
      if (n == 0 || ErrorStageOf(error) != static_cast<int>(s)) continue;
      word_bars.push_back({std::string(ErrorName(error)), static_cast<double>(n),
                           absl::StrCat(ReportText::Count(n), " (", ReportText::Percent(n, d.rows), ")"), kStageColors[s]});
    }
  }
  SvgChart::HorizontalBars(word_bars, kBarChart, out);
  out->append("</div></div>");
  HtmlDetailSections::ErrorExamples(d, out);
  out->append("</section>");
}

void Latency(const ReportData& d, std::string* out) {
  out->append("<section id=\"latency\"><h2>Latency per stage (ms)</h2>");
  absl::StrAppend(out, "<p class=\"sub\">Over the rows where the stage was timed. Percentiles: ",
                  ToAbsl(kPercentileDefinition), ".</p>");
  out->append(
      "<table><tr><th class=\"t\">stage</th><th>rows</th><th>min</th><th>p50</th><th>p90</th>"
      "<th>p99</th><th>max</th></tr>");
  for (const StageLatency& s : d.stages) {
    absl::StrAppend(out, "<tr data-stage=\"", ToAbsl(s.column), "\"><td class=\"t\">", ToAbsl(s.column), "</td><td>",
                    ReportText::Count(s.count), "</td>");
    if (s.count == 0) {
      out->append("<td colspan=\"5\" class=\"none\">not timed</td></tr>");
      continue;
    }
    absl::StrAppend(out, "<td>", ReportText::Millis(s.min), "</td><td>", ReportText::Millis(s.p50), "</td><td>", ReportText::Millis(s.p90), "</td><td>",
                    ReportText::Millis(s.p99), "</td><td>", ReportText::Millis(s.max), "</td></tr>");
  }
  out->append("</table><h3>Histograms (rows per duration bucket, logarithmic buckets in ms)</h3><div class=\"grid\">");
  for (const StageLatency& s : d.stages) {
    if (s.count == 0) continue;
    // Only the buckets from the first to the last non-empty one.
    size_t first = 0;
    size_t last = kHistogramBuckets - 1;
    while (s.histogram[first] == 0) ++first;
    while (s.histogram[last] == 0) --last;
    std::vector<SvgBar> bars;
    for (size_t b = first; b <= last; ++b) {
      const std::string from = b == 0 ? "0" : ReportText::EdgeLabel(kHistogramEdgesMs[b - 1]);
      const std::string label = b == kHistogramBuckets - 1 ? absl::StrCat(">=", from)
                                                           : absl::StrCat(from, "-", ReportText::EdgeLabel(kHistogramEdgesMs[b]));
      bars.push_back({label, static_cast<double>(s.histogram[b]), ReportText::Count(s.histogram[b]), kLatencyColor});
    }
    absl::StrAppend(out, "<div><h3>", ToAbsl(s.column), "</h3>");
    SvgChart::Columns(bars, kSmallChart, kSmallChartHeight, "rows", out);
    out->append("</div>");
  }
  out->append("</div></section>");
}

void Throughput(const ReportData& d, std::string* out) {
  out->append("<section id=\"throughput\"><h2>Throughput over time</h2>");
  if (d.completions.empty()) {
    out->append("<p class=\"none\">No row has a start time.</p></section>");
    return;
  }
  const double width_s = static_cast<double>(d.chart_bucket_us) / 1e6;
  absl::StrAppend(out, "<p class=\"sub\">Rows completed (started_at + total_ms) per second, in buckets of ",
                  ReportText::Duration(width_s), ", from ");
  Escaped(ReportText::Timestamp(d.timeline_start_us), out);
  out->append(".</p>");
  std::vector<SvgBar> bars;
  for (size_t i = 0; i < d.chart_completions.size(); ++i) {
    const double offset = static_cast<double>(i) * width_s;
    const int64_t n = d.chart_completions[i];
    bars.push_back({absl::StrCat("+", absl::StrFormat("%g", offset), " s"), static_cast<double>(n) / width_s,
                    absl::StrCat(ReportText::Count(n), " rows"), kThroughputColor});
  }
  std::string note;
  if (d.chart_hidden_rows > 0) {
    const double end_s = static_cast<double>(d.chart_end_us) / 1e6;
    const double last_s = static_cast<double>(*d.last_end_us - d.timeline_start_us) / 1e6;
    note = absl::StrCat(ReportText::Count(d.chart_hidden_rows), d.chart_hidden_rows == 1 ? " row" : " rows",
                        " after +", ReportText::Duration(end_s), " not shown (the last at +",
                        ReportText::Duration(last_s), ")");
  }
  SvgChart::Columns(bars, kWideChart, kTimelineHeight, "rows/s", note, out);
  if (d.chart_hidden_rows > 0) {
    absl::StrAppend(out, "<p class=\"sub\" id=\"clip-note\">The time axis ends at +",
                    ReportText::Duration(static_cast<double>(d.chart_end_us) / 1e6),
                    ", a tenth past the 99th percentile of completion times: ", ReportText::Count(d.chart_hidden_rows),
                    d.chart_hidden_rows == 1 ? " row completed later and is" : " rows completed later and are",
                    " not drawn. The JSON block's timeline has them all.</p>");
  }
  out->append("</section>");
}

void Hosts(const ReportData& d, std::string* out) {
  out->append("<section id=\"hosts\"><h2>Hosts with most errors</h2>");
  if (d.top_error_hosts.empty()) {
    out->append("<p class=\"none\">No host has a row with an error.</p></section>");
    return;
  }
  out->append(
      "<table><tr><th class=\"t\">host</th><th>errors</th><th>rows</th><th>error rate</th>"
      "<th class=\"t\">most frequent error</th></tr>");
  for (const HostErrors& h : d.top_error_hosts) {
    out->append("<tr><td class=\"t\">");
    Escaped(h.host, out);
    absl::StrAppend(out, "</td><td>", ReportText::Count(h.errors), "</td><td>", ReportText::Count(h.rows), "</td><td>",
                    ReportText::Percent(h.errors, h.rows), "</td><td class=\"t\">", ToAbsl(ErrorName(h.top_error)), " (",
                    ReportText::Count(h.top_error_rows), ")</td></tr>");
  }
  out->append("</table></section>");
}

void Tls(const ReportData& d, std::string* out) {
  out->append("<section id=\"tls\"><h2>TLS</h2>");
  HtmlDetailSections::TlsVerification(d, out);
  out->append("<h3>Certificate expiry</h3>");
  if (d.cert_hosts == 0) {
    out->append("<p class=\"none\">No row has a certificate (cert_not_after).</p></section>");
    return;
  }
  absl::StrAppend(out, "<p class=\"sub\">", ReportText::Count(d.cert_hosts),
                  " hosts presented a certificate; each is judged by its earliest expiry, as of ");
  Escaped(ReportText::Timestamp(d.tls_reference_us), out);
  out->append(" (the last started_at in the file).</p><div class=\"cards\">");
  Card("certs_expired", "expired", ReportText::Count(d.certs_expired), out);
  Card("certs_within_30", "expire within 30 days", ReportText::Count(d.certs_within_30), out);
  Card("certs_within_90", "expire within 90 days", ReportText::Count(d.certs_within_90), out);
  out->append("</div>");
  if (!d.soonest_certs.empty()) {
    out->append("<table><tr><th class=\"t\">host</th><th class=\"t\">not after</th><th>days left</th></tr>");
    for (const CertExpiry& c : d.soonest_certs) {
      out->append("<tr><td class=\"t\">");
      Escaped(c.host, out);
      out->append("</td><td class=\"t\">");
      Escaped(ReportText::Timestamp(c.not_after_us), out);
      absl::StrAppend(out, "</td><td>",
                      ReportText::Decimal(static_cast<double>(c.not_after_us - d.tls_reference_us) / 86400e6, 1),
                      "</td></tr>");
    }
    out->append("</table>");
  }
  out->append("</section>");
}

}  // namespace

std::string HtmlReportWriter::DataJson(const ReportData& d) {
  std::string out;
  JsonBuilder j(&out);
  j.Open('{');
  j.Key("source");
  j.Str(d.source);
  j.Key("format");
  j.Str(d.format);
  j.Key("sources");
  j.Open('[');
  for (const SourceFile& f : d.sources) {
    j.Open('{');
    j.Key("path");
    j.Str(f.path);
    j.Key("format");
    j.Str(f.format);
    j.Key("rows");
    j.Int(f.rows);
    j.Close('}');
  }
  j.Close(']');
  j.Key("rows");
  j.Int(d.rows);
  j.Key("ok");
  j.Int(d.ok_rows);
  j.Key("errors_total");
  j.Int(d.error_rows);
  j.Key("with_status");
  j.Int(d.with_status);
  j.Key("hosts");
  j.Int(d.hosts);
  j.Key("status_classes");
  j.Open('{');
  for (size_t i = 0; i < kStatusClassNames.size(); ++i) {
    j.Key(kStatusClassNames[i]);
    j.Int(d.status_classes[i]);
  }
  j.Close('}');
  j.Key("errors");
  j.Open('{');
  std::vector<int64_t> by_stage(kErrorStages.size(), 0);
  for (int code = 1; code < kErrorCodeCount; ++code) {
    const int64_t n = d.errors[static_cast<size_t>(code)];
    if (n == 0) continue;
    j.Key(ErrorName(static_cast<ErrorCode>(code)));
    j.Int(n);
    by_stage[static_cast<size_t>(ErrorStageOf(static_cast<ErrorCode>(code)))] += n;
  }
  j.Close('}');
  j.Key("error_stages");
  j.Open('{');
  for (size_t s = 0; s < kErrorStages.size(); ++s) {
    if (by_stage[s] == 0) continue;
    j.Key(kErrorStages[s]);
    j.Int(by_stage[s]);
  }
  j.Close('}');
  j.Key("latency");
  j.Open('{');
  for (const StageLatency& s : d.stages) {
    j.Key(s.column);
    j.Open('{');
    j.Key("count");
    j.Int(s.count);
    const std::pair<std::string_view, double> values[] = {
        {"min", s.min}, {"p50", s.p50}, {"p90", s.p90}, {"p99", s.p99}, {"max", s.max}};
    for (const auto& [key, value] : values) {
      j.Key(key);
      if (s.count == 0) {
        j.Null();
      } else {
        j.Double(value);
      }
    }
    j.Close('}');
  }
  j.Close('}');
  j.Key("histograms");
  j.Open('{');
  for (const StageLatency& s : d.stages) {
    j.Key(s.column);
    j.Open('{');
    j.Key("edges_ms");
    j.Open('[');
    for (double edge : kHistogramEdgesMs) j.Double(edge);
    j.Close(']');
    j.Key("counts");
    j.Open('[');
    for (int64_t n : s.histogram) j.Int(n);
    j.Close(']');
    j.Close('}');
  }
  j.Close('}');
  j.Key("timed_rows");
  j.Int(d.timed_rows);
  j.Key("first_start");
  if (d.first_start_us) {
    j.Str(ReportText::Timestamp(*d.first_start_us));
  } else {
    j.Null();
  }
  j.Key("last_end");
  if (d.last_end_us) {
    j.Str(ReportText::Timestamp(*d.last_end_us));
  } else {
    j.Null();
  }
  j.Key("duration_s");
  j.Double(DurationSeconds(d));
  j.Key("rows_per_s");
  j.Double(RowsPerSecond(d));
  j.Key("timeline");
  j.Open('{');
  j.Key("start");
  if (d.first_start_us) {
    j.Str(ReportText::Timestamp(d.timeline_start_us));
  } else {
    j.Null();
  }
  j.Key("bucket_ms");
  j.Double(static_cast<double>(d.bucket_us) / 1000);
  j.Key("completions");
  j.Open('[');
  for (int64_t n : d.completions) j.Int(n);
  j.Close(']');
  // What the chart draws: the same, or cut short of a few slow rows (ReportData::chart_end_us).
  j.Key("chart");
  j.Open('{');
  j.Key("end_ms");
  j.Double(static_cast<double>(d.chart_end_us) / 1000);
  j.Key("bucket_ms");
  j.Double(static_cast<double>(d.chart_bucket_us) / 1000);
  j.Key("completions");
  j.Open('[');
  for (int64_t n : d.chart_completions) j.Int(n);
  j.Close(']');
  j.Key("hidden_rows");
  j.Int(d.chart_hidden_rows);
  j.Close('}');
  j.Close('}');
  j.Key("top_error_hosts");
  j.Open('[');
  for (const HostErrors& h : d.top_error_hosts) {
    j.Open('{');
    j.Key("host");
    j.Str(h.host);
    j.Key("errors");
    j.Int(h.errors);
    j.Key("rows");
    j.Int(h.rows);
    j.Key("top_error");
    j.Str(ErrorName(h.top_error));
    j.Close('}');
  }
  j.Close(']');
  HtmlDetailSections::Json(d, j);
  j.Key("tls");
  j.Open('{');
  j.Key("reference");
  j.Str(ReportText::Timestamp(d.tls_reference_us));
  j.Key("hosts");
  j.Int(d.cert_hosts);
  j.Key("expired");
  j.Int(d.certs_expired);
  j.Key("within_30_days");
  j.Int(d.certs_within_30);
  j.Key("within_90_days");
  j.Int(d.certs_within_90);
  j.Key("soonest");
  j.Open('[');
  for (const CertExpiry& c : d.soonest_certs) {
    j.Open('{');
    j.Key("host");
    j.Str(c.host);
    j.Key("not_after");
    j.Str(ReportText::Timestamp(c.not_after_us));
    j.Close('}');
  }
  j.Close(']');
  HtmlDetailSections::TlsJson(d, j);
  j.Close('}');
  j.Key("percentile_definition");
  j.Str(kPercentileDefinition);
  j.Close('}');
  return out;
}

std::string HtmlReportWriter::Render(const ReportData& d) {
  std::string out;
  out.append(
      "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      // No fetch of any kind, even if the page is later served: a report is self-contained.
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
      "<title>urlsweep report: ");
  Escaped(d.source, &out);
  absl::StrAppend(&out, "</title><style>", ToAbsl(kStyle),
                  "</style>\n<script type=\"application/json\" id=\"report-data\">", DataJson(d),
                  "</script>\n</head><body><main><h1>urlsweep report</h1><p class=\"sub\">");
  if (d.sources.size() > 1) {
    absl::StrAppend(&out, ReportText::Count(d.rows), " rows from ", d.sources.size(), " files");
  } else {
    Escaped(d.source, &out);
    absl::StrAppend(&out, " (", d.format, "), ", ReportText::Count(d.rows), " rows");
  }
  if (d.first_start_us) {
    out.append(", scanned from ");
    Escaped(ReportText::Timestamp(*d.first_start_us), &out);
    out.append(" to ");
    Escaped(ReportText::Timestamp(*d.last_end_us), &out);
  }
  out.append("</p>\n");
  if (d.sources.size() > 1) {
    out.append("<ul class=\"files\">");
    for (const SourceFile& f : d.sources) {
      out.append("<li>");
      Escaped(f.path, &out);
      absl::StrAppend(&out, " (", f.format, ", ", ReportText::Count(f.rows), " rows)</li>");
    }
    out.append("</ul>\n");
  }
  Totals(d, &out);
  StatusClasses(d, &out);
  Errors(d, &out);
  Latency(d, &out);
  HtmlDetailSections::Slowest(d, &out);
  Throughput(d, &out);
  HtmlDetailSections::Redirects(d, &out);
  HtmlDetailSections::Servers(d, &out);
  Hosts(d, &out);
  Tls(d, &out);
  absl::StrAppend(&out, "<footer>Made by urlsweep ", kVersion,
                  " from the result files alone. Times are UTC. Throughput counts rows by completion time "
                  "(started_at + total_ms). Percentiles: ",
                  ToAbsl(kPercentileDefinition), ".</footer></main></body></html>\n");
  return out;
}

}  // namespace urlsweep
