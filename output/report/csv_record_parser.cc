#include "output/report/csv_record_parser.h"

#include "absl/strings/str_cat.h"
#include "core/text.h"

namespace urlsweep {

std::string_view CsvRecordParser::field(size_t i) const {
  const size_t begin = i == 0 ? 0 : ends_[i - 1];
  return std::string_view(buffer_).substr(begin, ends_[i] - begin);
}

void CsvRecordParser::StartRecordIfNeeded() {
  if (done_) {
    buffer_.clear();
    ends_.clear();
    quoted_.clear();
    done_ = false;
  }
  if (!in_record_) {
    in_record_ = true;
    record_line_ = line_;
  }
}

void CsvRecordParser::EndField() {
  ends_.push_back(buffer_.size());
  quoted_.push_back(field_quoted_);
  field_quoted_ = false;
}

bool CsvRecordParser::Fail(std::string_view what) {
  status_ = absl::InvalidArgumentError(ToAbsl(what));
  error_line_ = line_;
  return false;
}

size_t CsvRecordParser::Consume(std::string_view input, bool* record_done) {
  *record_done = false;
  if (!status_.ok()) return 0;
  size_t i = 0;
  const size_t n = input.size();
  if (n > 0) StartRecordIfNeeded();
  while (i < n) {
    const char c = input[i];
    switch (state_) {
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          field_quoted_ = true;
          ++i;
          continue;
        }
        state_ = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted: {
        // The run of plain bytes up to the next special one is copied at once.
        size_t j = i;
        while (j < n && input[j] != ',' && input[j] != '\r' && input[j] != '\n' && input[j] != '"') ++j;
        buffer_.append(input.data() + i, j - i);
        i = j;
        if (i == n) break;
        if (input[i] == '"') {
          Fail("a quote inside an unquoted field");
          return 0;
        }
        state_ = State::kAfterQuoted;  // the separator rules are the same from here
        continue;
      }
      case State::kQuoted: {
        size_t j = i;
        while (j < n && input[j] != '"') {
          if (input[j] == '\n') ++line_;
          ++j;
        }
        buffer_.append(input.data() + i, j - i);
        i = j;
        if (i < n) {
          state_ = State::kQuoteInQuoted;
          ++i;
        }
        break;
      }
      case State::kQuoteInQuoted:
        if (c == '"') {
          buffer_.push_back('"');
          state_ = State::kQuoted;
          ++i;
          break;
        }
        state_ = State::kAfterQuoted;
        continue;
      case State::kAfterQuoted:
        if (c == ',') {
          EndField();
          state_ = State::kFieldStart;
          ++i;
        } else if (c == '\n') {
          EndField();
          ++line_;
          ++i;
          state_ = State::kFieldStart;
          in_record_ = false;
          done_ = true;
          *record_done = true;
          return i;
        } else if (c == '\r') {
          state_ = State::kCr;
          ++i;
        } else {
          Fail("text after the closing quote of a field");
          return 0;
        }
        break;
      case State::kCr:
        if (c != '\n') {
          Fail("a CR outside quotes that is not followed by LF");
          return 0;
        }
        state_ = State::kAfterQuoted;
        continue;
    }
    if (buffer_.size() > kMaxRecordBytes) {
      Fail(absl::StrCat("a record longer than ", kMaxRecordBytes, " bytes"));
      return 0;
    }
  }
  if (buffer_.size() > kMaxRecordBytes) {
    Fail(absl::StrCat("a record longer than ", kMaxRecordBytes, " bytes"));
    return 0;
  }
  return i;
}

bool CsvRecordParser::Finish() {
  if (!status_.ok() || !in_record_) return false;
  switch (state_) {
    case State::kQuoted: return Fail("a quoted field is still open at the end of the file");
    case State::kCr: return Fail("a CR outside quotes that is not followed by LF");
    case State::kFieldStart:
    case State::kUnquoted:
    case State::kQuoteInQuoted:
    case State::kAfterQuoted: break;
  }
  EndField();
  state_ = State::kFieldStart;
  in_record_ = false;
  done_ = true;
  return true;
}

}  // namespace urlsweep
