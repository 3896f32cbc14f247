// CsvWriter: rows as RFC 4180 CSV (docs/output.md): a header line of the column names, CRLF line
// ends, fields quoted only when they hold ',' '"' CR or LF, with '"' doubled. Absent values are empty
// fields. Strings are written as the bytes they are (CSV has no escape for invalid UTF-8).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/output_format.h"
#include "core/row.h"
#include "output/output_file.h"
#include "output/text_row_writer.h"

namespace urlsweep {

class CsvWriter final : public TextRowWriter {
 public:
  // `file` must outlive the writer. `compression` other than kNone compresses the whole stream
  // (CompressingSink).
  // `extra`: the run's optional columns, after the fixed ones.
  explicit CsvWriter(OutputFile* file, OutputCompression compression = OutputCompression::kNone,
                     ExtraColumns extra = {});

  // Writes the header line unless `append`.
  absl::Status Open(bool append) override;

  // Pure encoders, public for tests, the fuzz target and the benchmark.
  // The header record, CRLF included.
  static void AppendHeader(std::string* out, const ExtraColumns& extra = ExtraColumns::None());
  // One record, CRLF included.
  static void AppendRow(const Row& row, std::string* out, const ExtraColumns& extra = ExtraColumns::None());
  // One field, quoted when it must be.
  static void AppendField(std::string_view value, std::string* out);
};

}  // namespace urlsweep
