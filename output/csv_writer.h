// CsvWriter: rows as RFC 4180 CSV (CONTRACT "Output"): a header line of the column names, CRLF line
// ends, fields quoted only when they hold ',' '"' CR or LF, with '"' doubled. Absent values are empty
// fields. Strings are written as the bytes they are (CSV has no escape for invalid UTF-8).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "output/writer.h"
#include "core/row.h"

namespace urlsweep {

class CsvWriter final : public RowWriter {
 public:
  // `file` must outlive the writer.
  explicit CsvWriter(OutputFile* file);

  // Writes the header line unless `append`.
  absl::Status Open(bool append) override;
  absl::Status Write(absl::Span<const Row> rows) override;
  absl::Status Flush() override;
  // Flushes, fsyncs a regular file and closes the OutputFile (never standard output's descriptor).
  absl::Status Close() override;

  // Pure encoders, public for tests, the fuzz target and the benchmark.
  // The header record, CRLF included.
  static void AppendHeader(std::string* out);
  // One record, CRLF included.
  static void AppendRow(const Row& row, std::string* out);
  // One field, quoted when it must be.
  static void AppendField(std::string_view value, std::string* out);

 private:
  OutputFile* file_;
  // Rows are encoded here and handed to the file in batches; reused, so a warm writer never allocates.
  std::string scratch_;
};

}  // namespace urlsweep
