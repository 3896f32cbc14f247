// ResultReader: rows of a urlsweep result file (CSV, JSON Lines or Parquet), batch by batch, so a
// report over any number of rows holds only one batch of Rows at a time. One implementation per
// format: csv_result_reader, jsonl_result_reader, parquet_result_reader.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/options.h"
#include "core/row.h"

namespace urlsweep {

class ResultReader {
 public:
  virtual ~ResultReader() = default;
  // Replaces *rows with the next batch of rows in file order; leaves it empty at the end of the file.
  // Errors are one line naming the file and, for text files, the line.
  virtual absl::Status Next(std::vector<Row>* rows) = 0;
};

// The format of `path`: from its extension (.csv, .jsonl, .parquet) as the scanner's --format default
// does, else from its first bytes ("PAR1" is Parquet, '{' JSON Lines, anything else CSV). Standard
// input ("-") without --format is read as CSV.
absl::StatusOr<OutputFormat> DetectResultFormat(const std::string& path);

// Opens `path` ("-" = standard input, not for Parquet) as a result file in `format`.
absl::StatusOr<std::unique_ptr<ResultReader>> OpenResultReader(const std::string& path, OutputFormat format);

}  // namespace urlsweep
