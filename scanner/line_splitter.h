// LineSplitter: the pure half of InputReader. It turns a byte stream, fed in chunks of any size, into
// numbered, trimmed, capped input lines (docs/resume-and-shards.md, "Input"), so that the rules are
// tested on every split of their input without files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "scanner/url.h"

namespace urlsweep {

// Lines longer than this are not usable URLs (they are invalid_url, docs/errors.md).
inline constexpr size_t kMaxLineBytes = kMaxUrlBytes;
// Hard cap on a line kept in memory. A too-long line still gets its row, whose `url` column should be the
// line as read; up to this size it is, beyond it the row holds this prefix (a line of megabytes must not
// cost megabytes per row). The rest is discarded without buffering it.
inline constexpr size_t kMaxKeptLineBytes = 64 * 1024;

struct InputLine {
  int64_t line = 0;       // 1-based across all inputs, every physical line counted
  std::string text;       // trimmed (surrounding white space and trailing \r dropped), capped
  bool too_long = false;  // the trimmed line exceeded kMaxLineBytes
  bool truncated = false; // the line exceeded kMaxKeptLineBytes (text holds its first kMaxKeptLineBytes)
};

class LineSplitter {
 public:
  // Consumes bytes from the front of *chunk up to and including the next '\n'. Returns true when that
  // ended a line that is neither blank nor a comment ('#' first); *out then holds it (its string's
  // capacity is swapped, not reallocated). Returns false once *chunk is used up; a partial line is kept
  // for the next call.
  bool Feed(std::string_view* chunk, InputLine* out);

  // The end of one input (file). A last line without a final newline still ends here, and the next
  // input starts a new line. Returns true when that line is kept (*out holds it).
  bool EndInput(InputLine* out);

  // Physical lines ended so far, skipped ones included.
  int64_t lines_seen() const { return lines_seen_; }

 private:
  void Append(std::string_view segment);
  bool EndLine(InputLine* out);

  std::string text_;            // the line so far, leading white space dropped, at most kMaxKeptLineBytes
  bool line_open_ = false;      // bytes came since the last line end of this input
  bool overflow_ = false;       // a byte other than white space came beyond the bytes kept
  bool at_input_start_ = true;  // still looking for a byte-order mark
  size_t bom_matched_ = 0;      // bytes of the UTF-8 byte-order mark seen at the start of this input
  int64_t lines_seen_ = 0;
};

}  // namespace urlsweep
