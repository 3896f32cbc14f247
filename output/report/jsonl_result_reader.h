// JsonlResultReader: a JSON Lines result (output/jsonl_writer.h) back into Rows, one object per line
// (JsonlRowDecoder). Lines end in LF (a CR before it is allowed); blank lines are skipped; a last line
// without LF still counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "output/report/input_file.h"
#include "output/report/jsonl_row_decoder.h"
#include "output/report/result_reader.h"

namespace urlsweep {

class JsonlResultReader final : public ResultReader {
 public:
  // Rows per batch, as CsvResultReader.
  static constexpr size_t kBatchRows = 4096;
  // Bytes per read(2).
  static constexpr size_t kReadBytes = size_t{1} << 20;
  // The same cap as a CSV record (CsvRecordParser::kMaxRecordBytes): a line holds one row, whose url
  // can be a whole over-long input line; the cap only bounds memory on a file without line breaks.
  static constexpr size_t kMaxLineBytes = size_t{64} << 20;

  explicit JsonlResultReader(InputFile file);
  absl::Status Next(std::vector<Row>* rows) override;

 private:
  InputFile file_;
  JsonlRowDecoder decoder_;
  std::string buffer_;  // unread bytes: the start of a line, then what follows
  size_t buffer_pos_ = 0;
  bool eof_ = false;
  int64_t line_ = 0;  // number of the last line taken
};

}  // namespace urlsweep
