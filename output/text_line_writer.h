// TextLineWriter: `--format text`, one line per URL for people reading a terminal (docs/output.md,
// "Text lines"): `URL STATUS [TITLE] TOTAL ms`, or `URL [STATUS] ERROR: DETAIL` when the row has an error.
// Coloured with ANSI SGR codes (ECMA-48 section 8.3.117) when asked: green for 2xx, yellow for 3xx, red for
// 4xx, 5xx and errors. Not meant to be read back: `urlsweep report` does not take it.
//
// Servers choose titles and reasons and clients choose URLs: a control byte among them could move the
// cursor or retitle the terminal, so every C0 and C1 control and DEL is written as '?'.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/row.h"
#include "output/output_file.h"
#include "output/text_row_writer.h"

namespace urlsweep {

class TextLineWriter final : public TextRowWriter {
 public:
  // `file` must outlive the writer. `colour`: wrap the status or error in ANSI colour codes (the
  // caller decides, from whether `file` is a terminal).
  TextLineWriter(OutputFile* file, bool colour);

  // No preamble: a resumed file continues with the next line.
  absl::Status Open(bool append) override;

  // Pure encoder, public for tests: one line, '\n' included.
  static void AppendLine(const Row& row, bool colour, std::string* out);
  // `text` with every control byte (C0, DEL, C1 as UTF-8) written as '?'.
  static void AppendVisible(std::string_view text, std::string* out);

 private:
  // AppendLine with and without colour, as the RowEncoder the shared base calls.
  // The line for people shows no optional columns (they are for the machine formats).
  static void AppendColouredLine(const Row& row, const ExtraColumns&, std::string* out) {
    AppendLine(row, true, out);
  }
  static void AppendPlainLine(const Row& row, const ExtraColumns&, std::string* out) {
    AppendLine(row, false, out);
  }
};

}  // namespace urlsweep
