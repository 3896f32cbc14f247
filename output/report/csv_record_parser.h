// CsvRecordParser: splits RFC 4180 text into records and fields, incrementally: bytes arrive in pieces
// of any size (a read(2) buffer can end anywhere, inside a quoted field or between CR and LF) and the
// records come out the same whatever the split. Pure: no I/O.
//
// Accepted: fields separated by ',', records ended by CRLF (RFC 4180) or a bare LF, quoted fields
// holding ',', CR, LF and doubled quotes. Refused, with the line number: a quote inside an unquoted
// field, text after a closing quote, a CR outside quotes not followed by LF, a quoted field still open
// at the end of the input, and a record longer than kMaxRecordBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace urlsweep {

class CsvRecordParser {
 public:
  // urlsweep keeps a too-long input line whole in the url column (docs/errors.md: longer than 8192 bytes is
  // invalid_url, and the line is still reported), so records can be long; the cap only stops an
  // unterminated quote in a corrupt file from reading the whole file into memory.
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;

  // Consumes bytes from the front of `input`, at most up to the end of one record, and returns how many.
  // Sets *record_done when a record ended; its fields stay readable until the next Consume or Finish.
  // After an error, returns 0 and status() says what was wrong.
  size_t Consume(std::string_view input, bool* record_done);
  // At the end of the input: true when a last record without a line break ends here. An open quoted
  // field is an error.
  bool Finish();

  // The first error, without a line number (error_line() has it).
  const absl::Status& status() const { return status_; }
  // 1-based line of the byte where the error was found.
  int64_t error_line() const { return error_line_; }
  size_t field_count() const { return ends_.size(); }
  std::string_view field(size_t i) const;
  // Whether field i was quoted ("" is an empty string; an empty unquoted field is absent).
  bool field_quoted(size_t i) const { return quoted_[i]; }
  // 1-based line number of the record's first byte (quoted line breaks count as lines).
  int64_t record_line() const { return record_line_; }

 private:
  enum class State : uint8_t {
    kFieldStart,     // nothing of the current field read yet
    kUnquoted,       // inside an unquoted field
    kQuoted,         // inside a quoted field
    kQuoteInQuoted,  // a '"' inside a quoted field: either the first of a doubled quote or the end
    kAfterQuoted,    // a quoted field has ended; only ',', CR or LF may follow
    kCr,             // a CR outside quotes; LF must follow
  };

  void StartRecordIfNeeded();
  void EndField();
  bool Fail(std::string_view what);

  State state_ = State::kFieldStart;
  bool done_ = true;  // the previous record has been handed out (or none started)
  bool in_record_ = false;
  bool field_quoted_ = false;
  std::string buffer_;        // the current record's fields, back to back
  std::vector<size_t> ends_;  // end offset of each field in buffer_
  std::vector<bool> quoted_;
  int64_t line_ = 1;  // line number of the next byte
  int64_t record_line_ = 1;
  int64_t error_line_ = 0;
  absl::Status status_;
};

}  // namespace urlsweep
