#include "output/report/jsonl_result_reader.h"

#include <cstring>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

bool IsBlank(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r') return false;
  }
  return true;
}

}  // namespace

JsonlResultReader::JsonlResultReader(InputFile file) : file_(std::move(file)) {}

absl::Status JsonlResultReader::Next(std::vector<Row>* rows) {
  size_t count = 0;
  while (count < kBatchRows) {
    std::string_view pending = std::string_view(buffer_).substr(buffer_pos_);
    const size_t newline = pending.find('\n');
    std::string_view line;
    if (newline != std::string_view::npos) {
      line = pending.substr(0, newline);
      buffer_pos_ += newline + 1;
    } else if (!eof_) {
      if (pending.size() > kMaxLineBytes) {
        return absl::InvalidArgumentError(
            absl::StrCat(file_.name(), ":", line_ + 1, ": a line longer than ", kMaxLineBytes, " bytes"));
      }
      // Keep the unfinished line, then read more behind it.
      buffer_.erase(0, buffer_pos_);
      buffer_pos_ = 0;
      const size_t kept = buffer_.size();
      buffer_.resize(kept + kReadBytes);
      absl::StatusOr<size_t> n = file_.Read(buffer_.data() + kept, kReadBytes);
      if (!n.ok()) return n.status();
      buffer_.resize(kept + *n);
      if (*n == 0) eof_ = true;
      continue;
    } else if (!pending.empty()) {
      line = pending;
      buffer_pos_ = buffer_.size();
    } else {
      break;
    }
    ++line_;
    if (IsBlank(line)) continue;
    if (count == rows->size()) rows->emplace_back();
    if (absl::Status st = decoder_.Decode(line, &(*rows)[count]); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat(file_.name(), ":", line_, ": ", st.message()));
    }
    ++count;
  }
  rows->resize(count);
  return absl::OkStatus();
}

}  // namespace urlsweep
