// JsonlRowDecoder: one line of a JSON Lines result (output/jsonl_writer.h) back into a Row. Pure.
//
// A line is one JSON object (RFC 8259). Keys that are output columns set that column; other keys are
// skipped (their values may be any JSON value); a missing key or null leaves the column absent, except
// `line` and `url`, which must be there. Strings are unescaped (\uXXXX surrogate pairs included; a lone
// surrogate becomes U+FFFD, as the writer's own repair would have written it); numbers must be integers
// for integer columns, and timestamps strings in the writers' ISO 8601 form.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/row.h"

namespace urlsweep {

class JsonlRowDecoder {
 public:
  // JSON nested deeper than this in a skipped value is refused: no writer of ours nests at all, and
  // the cap keeps the skipping recursion's stack bounded on hostile input.
  static constexpr int kMaxSkipDepth = 64;

  // Decodes `line` (without its '\n'; a trailing '\r' is allowed as white space) into *row, which is
  // cleared first. Errors name the column or the offset of the bad byte.
  absl::Status Decode(std::string_view line, Row* row);

 private:
  // Reuses its capacity across lines: a warm decoder allocates only for longer strings.
  std::string scratch_;
};

}  // namespace urlsweep
