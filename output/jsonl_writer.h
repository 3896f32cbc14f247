// JsonlWriter: rows as JSON Lines (CONTRACT "Output"): one object per row, keys in column order, '\n'
// after each. Absent values are null, integers exact JSON numbers, durations numbers with three
// decimals, timestamps strings. Strings are escaped per RFC 8259 and invalid UTF-8 is replaced with
// U+FFFD, so every line is valid JSON whatever bytes a server sent.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "output/writer.h"
#include "core/row.h"

namespace urlsweep {

class JsonlWriter final : public RowWriter {
 public:
  // `file` must outlive the writer.
  explicit JsonlWriter(OutputFile* file);

  // JSON Lines has no preamble: writes nothing.
  absl::Status Open(bool append) override;
  absl::Status Write(absl::Span<const Row> rows) override;
  absl::Status Flush() override;
  // Flushes, fsyncs a regular file and closes the OutputFile (never standard output's descriptor).
  absl::Status Close() override;

  // Pure encoders, public for tests, the fuzz target and the benchmark.
  // One object, '\n' included.
  static void AppendRow(const Row& row, std::string* out);
  // A JSON string literal, quotes included: '"' '\' and controls below 0x20 escaped, each maximal
  // ill-formed UTF-8 subsequence (Unicode 15, section 3.9, "U+FFFD substitution of maximal subparts")
  // replaced with one U+FFFD.
  static void AppendString(std::string_view bytes, std::string* out);

 private:
  OutputFile* file_;
  // Rows are encoded here and handed to the file in batches; reused, so a warm writer never allocates.
  std::string scratch_;
};

}  // namespace urlsweep
