// AggregateResults: the rows of one or more result files (the parts of a sharded run, in any mix of
// CSV, JSON Lines and Parquet) folded into one report, as if they were one file: the totals, counts
// and percentiles are those of all rows together.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/options.h"
#include "output/report/report_data.h"

namespace urlsweep {

// Reads `paths` in order ("-" = standard input, at most once), each in `format` when given, else in
// the format DetectResultFormat finds for it. `now_us` as for ReportAggregator::Finish. The error of
// the first file that fails, naming it.
absl::StatusOr<ReportData> AggregateResults(const std::vector<std::string>& paths,
                                            std::optional<OutputFormat> format, int64_t now_us);

}  // namespace urlsweep
