#include "output/report/csv_result_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "core/text.h"
#include "output/report/row_fields.h"

namespace urlsweep {

CsvResultReader::CsvResultReader(InputFile file) : file_(std::move(file)) {}

absl::Status CsvResultReader::Located(const absl::Status& status, int64_t line) const {
  return absl::Status(status.code(), absl::StrCat(file_.name(), ":", line, ": ", status.message()));
}

absl::Status CsvResultReader::TakeHeader() {
  columns_.clear();
  bool seen[kColumnNames.size()] = {};
  for (size_t i = 0; i < parser_.field_count(); ++i) {
    const int column = ColumnIndex(parser_.field(i));
    if (column >= 0) {
      if (seen[column]) {
        return Located(
            absl::InvalidArgumentError(absl::StrCat("column '", ToAbsl(parser_.field(i)), "' appears twice")),
            parser_.record_line());
      }
      seen[column] = true;
    }
    columns_.push_back(column);
  }
  if (!seen[0] || !seen[1]) {
    return Located(absl::InvalidArgumentError("the header has no 'line' or 'url' column: not a urlsweep CSV result"),
                   parser_.record_line());
  }
  header_done_ = true;
  return absl::OkStatus();
}

absl::Status CsvResultReader::TakeRow(Row* row) {
  if (parser_.field_count() != columns_.size()) {
    return Located(absl::InvalidArgumentError(
                       absl::StrCat(parser_.field_count(), " fields, but the header has ", columns_.size())),
                   parser_.record_line());
  }
  row->Clear();
  for (size_t i = 0; i < columns_.size(); ++i) {
    const int column = columns_[i];
    if (column < 0) continue;
    const std::string_view text = parser_.field(i);
    if (text.empty() && !parser_.field_quoted(i) && !IsRequiredColumn(column)) continue;  // absent
    if (absl::Status st = SetColumnText(column, text, row); !st.ok()) return Located(st, parser_.record_line());
  }
  return absl::OkStatus();
}

absl::Status CsvResultReader::Next(std::vector<Row>* rows) {
  size_t count = 0;
  while (count < kBatchRows) {
    bool done = false;
    if (buffer_pos_ < buffer_.size()) {
      buffer_pos_ += parser_.Consume(std::string_view(buffer_).substr(buffer_pos_), &done);
      if (!parser_.status().ok()) return Located(parser_.status(), parser_.error_line());
    } else if (!eof_) {
      buffer_.resize(kReadBytes);
      absl::StatusOr<size_t> n = file_.Read(buffer_.data(), buffer_.size());
      if (!n.ok()) return n.status();
      buffer_.resize(*n);
      buffer_pos_ = 0;
      if (*n == 0) {
        eof_ = true;
        done = parser_.Finish();
        if (!parser_.status().ok()) return Located(parser_.status(), parser_.error_line());
      }
    } else {
      break;
    }
    if (!done) continue;
    // A blank line is one empty unquoted field; the writer never writes one, editors sometimes do.
    if (parser_.field_count() == 1 && parser_.field(0).empty() && !parser_.field_quoted(0)) continue;
    if (!header_done_) {
      if (absl::Status st = TakeHeader(); !st.ok()) return st;
      continue;
    }
    if (count == rows->size()) rows->emplace_back();
    if (absl::Status st = TakeRow(&(*rows)[count]); !st.ok()) return st;
    ++count;
  }
  if (eof_ && !header_done_ && count == 0) {
    return absl::InvalidArgumentError(absl::StrCat(file_.name(), ": empty file, not even a CSV header"));
  }
  rows->resize(count);
  return absl::OkStatus();
}

}  // namespace urlsweep
