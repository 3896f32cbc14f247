// JsonlWriter: rows as JSON Lines (docs/output.md): one object per row, keys in column order, '\n'
// after each. Absent values are null, integers exact JSON numbers, durations numbers with three
// decimals, timestamps strings. Strings are escaped per RFC 8259 and invalid UTF-8 is replaced with
// U+FFFD, so every line is valid JSON whatever bytes a server sent.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/output_format.h"
#include "core/row.h"
#include "output/output_file.h"
#include "output/text_row_writer.h"

namespace urlsweep {

class JsonlWriter final : public TextRowWriter {
 public:
  // `file` must outlive the writer. `compression` other than kNone compresses the whole stream
  // (CompressingSink).
  // `extra`: the run's optional columns, after the fixed ones.
  explicit JsonlWriter(OutputFile* file, OutputCompression compression = OutputCompression::kNone,
                       ExtraColumns extra = {});

  // JSON Lines has no preamble: writes nothing.
  absl::Status Open(bool append) override;

  // Pure encoders, public for tests, the fuzz target and the benchmark.
  // One object, '\n' included.
  static void AppendRow(const Row& row, std::string* out, const ExtraColumns& extra = ExtraColumns::None());
  // A JSON string literal, quotes included: '"' '\' and controls below 0x20 escaped, each maximal
  // ill-formed UTF-8 subsequence (Unicode 15, section 3.9, "U+FFFD substitution of maximal subparts")
  // replaced with one U+FFFD.
  static void AppendString(std::string_view bytes, std::string* out);
};

}  // namespace urlsweep
