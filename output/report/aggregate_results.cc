#include "output/report/aggregate_results.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/output_format.h"
#include "output/report/report_aggregator.h"
#include "output/report/result_reader.h"

namespace urlsweep {

absl::StatusOr<ReportData> AggregateResults(const std::vector<std::string>& paths,
                                            std::optional<OutputFormat> format, int64_t now_us) {
  int standard_inputs = 0;
  for (const std::string& path : paths) standard_inputs += path == "-";
  if (standard_inputs > 1) return absl::InvalidArgumentError("standard input ('-') can be read once only");

  ReportAggregator aggregator;
  std::vector<SourceFile> sources;
  std::vector<Row> rows;
  for (const std::string& path : paths) {
    OutputFormat file_format;
    if (format) {
      file_format = *format;
    } else {
      absl::StatusOr<OutputFormat> detected = DetectResultFormat(path);
      if (!detected.ok()) return detected.status();
      file_format = *detected;
    }
    absl::StatusOr<std::unique_ptr<ResultReader>> reader = OpenResultReader(path, file_format);
    if (!reader.ok()) return reader.status();
    SourceFile& source = sources.emplace_back();
    source.path = path == "-" ? "standard input" : path;
    source.format = std::string(OutputFormatName(file_format));
    while (true) {
      if (absl::Status st = (*reader)->Next(&rows); !st.ok()) return st;
      if (rows.empty()) break;
      for (const Row& row : rows) aggregator.Add(row);
      source.rows += static_cast<int64_t>(rows.size());
    }
  }
  ReportData data = aggregator.Finish(now_us);
  std::vector<std::string> names;
  std::vector<std::string> formats;
  for (const SourceFile& source : sources) {
    names.push_back(source.path);
    if (std::find(formats.begin(), formats.end(), source.format) == formats.end()) formats.push_back(source.format);
  }
  data.source = absl::StrJoin(names, ", ");
  data.format = absl::StrJoin(formats, ", ");
  data.sources = std::move(sources);
  return data;
}

}  // namespace urlsweep
