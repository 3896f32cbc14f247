// CsvResultReader: a CSV result (output/csv_writer.h) back into Rows. The header names the columns, in
// any order; columns urlsweep does not write are ignored, and `line` and `url` must be there. An empty
// unquoted field is an absent value (as the writer writes one); blank lines are skipped.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "output/report/csv_record_parser.h"
#include "output/report/input_file.h"
#include "output/report/result_reader.h"

namespace urlsweep {

class CsvResultReader final : public ResultReader {
 public:
  // Rows per batch: enough that the per-batch work is amortised, few enough to stay small in memory.
  static constexpr size_t kBatchRows = 4096;
  // Bytes per read(2).
  static constexpr size_t kReadBytes = size_t{1} << 20;

  explicit CsvResultReader(InputFile file);
  absl::Status Next(std::vector<Row>* rows) override;

 private:
  // The parser's current record as the header, or as a row into *row.
  absl::Status TakeHeader();
  absl::Status TakeRow(Row* row);
  absl::Status Located(const absl::Status& status, int64_t line) const;

  InputFile file_;
  CsvRecordParser parser_;
  std::string buffer_;
  size_t buffer_pos_ = 0;
  bool eof_ = false;
  bool header_done_ = false;
  std::vector<int> columns_;  // per header field: index into kColumnNames, or -1
};

}  // namespace urlsweep
