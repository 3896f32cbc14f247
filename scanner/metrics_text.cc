#include "scanner/metrics_text.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// The class label of each slot of MetricsSnapshot::status_classes.
constexpr std::array<std::string_view, kStatusClassCount> kStatusClassNames = {"1xx", "2xx", "3xx",
                                                                              "4xx", "5xx", "other"};
constexpr double kNsPerSecond = 1e9;

void AppendHead(std::string* out, std::string_view name, std::string_view type, std::string_view help) {
  absl::StrAppend(out, "# HELP ", ToAbsl(name), " ", ToAbsl(help), "\n# TYPE ", ToAbsl(name), " ", ToAbsl(type),
                  "\n");
}

void AppendSample(std::string* out, std::string_view name, uint64_t value) {
  absl::StrAppend(out, ToAbsl(name), " ", value, "\n");
}

// `le` as Prometheus' client libraries write it: the shortest decimal ("0.005", "1", "2.5").
std::string BoundText(double bound) { return absl::StrCat(bound); }

void AppendHistogram(std::string* out, std::string_view stage, const StageHistogramCounts& h) {
  const std::string label = EscapeLabelValue(stage);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kStageBucketCount; ++i) {
    cumulative += h.buckets[i];
    const std::string le = i < kStageBucketBounds.size() ? BoundText(kStageBucketBounds[i]) : "+Inf";
    absl::StrAppend(out, "urlsweep_stage_seconds_bucket{stage=\"", label, "\",le=\"", le, "\"} ", cumulative,
                    "\n");
  }
  absl::StrAppendFormat(out, "urlsweep_stage_seconds_sum{stage=\"%s\"} %.9f\n", label,
                        static_cast<double>(h.sum_ns) / kNsPerSecond);
  absl::StrAppend(out, "urlsweep_stage_seconds_count{stage=\"", label, "\"} ", cumulative, "\n");
}

}  // namespace

size_t StageBucketOf(double seconds) {
  if (!(seconds > kStageBucketBounds.front())) return 0;
  // The bounds are few and sorted: the first bound >= seconds.
  const auto it = std::lower_bound(kStageBucketBounds.begin(), kStageBucketBounds.end(), seconds);
  return static_cast<size_t>(it - kStageBucketBounds.begin());
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string FormatMetrics(const MetricsSnapshot& s) {
  std::string out;
  AppendHead(&out, "urlsweep_lines_read_total", "counter",
             "Physical input lines read, blank, comment and skipped lines included.");
  AppendSample(&out, "urlsweep_lines_read_total", s.lines_read);
  AppendHead(&out, "urlsweep_input_bytes_read_total", "counter",
             "Bytes read from the inputs (after decompression for .gz files).");
  AppendSample(&out, "urlsweep_input_bytes_read_total", s.input_bytes_read);
  if (s.input_bytes.has_value()) {
    AppendHead(&out, "urlsweep_input_bytes", "gauge",
               "Total size of the inputs; only when every input is an uncompressed regular file.");
    AppendSample(&out, "urlsweep_input_bytes", *s.input_bytes);
  }

  AppendHead(&out, "urlsweep_rows_total", "counter",
             "Rows finished by this process, by error word (error=\"\" for rows without error).");
  for (int e = 0; e < kErrorCodeCount; ++e) {
    absl::StrAppend(&out, "urlsweep_rows_total{error=\"", EscapeLabelValue(ErrorName(static_cast<ErrorCode>(e))),
                    "\"} ", s.rows_by_error[e], "\n");
  }
  AppendHead(&out, "urlsweep_status_total", "counter",
             "Rows with an HTTP status, by class (other: codes outside 100-599).");
  for (size_t c = 0; c < kStatusClassCount; ++c) {
    absl::StrAppend(&out, "urlsweep_status_total{class=\"", ToAbsl(kStatusClassNames[c]), "\"} ", s.status_classes[c],
                    "\n");
  }

  AppendHead(&out, "urlsweep_in_flight", "gauge",
             "Requests on the wire: past their host's turn and the --rate limit.");
  AppendSample(&out, "urlsweep_in_flight", s.in_flight);
  AppendHead(&out, "urlsweep_queued", "gauge",
             "URLs waiting for their host's turn (--per-host, Retry-After) or for --rate.");
  AppendSample(&out, "urlsweep_queued", s.queued);

  AppendHead(&out, "urlsweep_stage_seconds", "histogram",
             "Time spent in each stage of the reported attempt, and in all, of the rows finished.");
  for (size_t i = 0; i < kMetricStageCount; ++i) AppendHistogram(&out, kMetricStageNames[i], s.stages[i]);
  return out;
}

}  // namespace urlsweep
