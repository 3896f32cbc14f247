#include "scanner/line_splitter.h"

#include <cstring>
#include <utility>

namespace urlsweep {
namespace {

// Editors on Windows start UTF-8 files with U+FEFF; it is not part of the first URL.
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// The input rules' "surrounding white space" (docs/resume-and-shards.md#input): ASCII blanks and controls
// that editors leave around text.
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

}  // namespace

bool LineSplitter::Feed(std::string_view* chunk, InputLine* out) {
  if (at_input_start_) {
    while (!chunk->empty() && bom_matched_ < kUtf8Bom.size() && (*chunk)[0] == kUtf8Bom[bom_matched_]) {
      ++bom_matched_;
      chunk->remove_prefix(1);
    }
    if (chunk->empty() && bom_matched_ < kUtf8Bom.size()) return false;
    at_input_start_ = false;
    if (bom_matched_ < kUtf8Bom.size() && bom_matched_ > 0) {
      // Only the start of a mark: those bytes are text.
      Append(kUtf8Bom.substr(0, bom_matched_));
      line_open_ = true;
    }
  }
  while (!chunk->empty()) {
    const void* newline = memchr(chunk->data(), '\n', chunk->size());
    const size_t segment_bytes =
        newline == nullptr ? chunk->size() : static_cast<const char*>(newline) - chunk->data();
    if (segment_bytes > 0) {
      Append(chunk->substr(0, segment_bytes));
      line_open_ = true;
    }
    if (newline == nullptr) {
      chunk->remove_prefix(segment_bytes);
      return false;
    }
    chunk->remove_prefix(segment_bytes + 1);
    if (EndLine(out)) return true;
  }
  return false;
}

bool LineSplitter::EndInput(InputLine* out) {
  if (at_input_start_ && bom_matched_ > 0 && bom_matched_ < kUtf8Bom.size()) {
    Append(kUtf8Bom.substr(0, bom_matched_));
    line_open_ = true;
  }
  at_input_start_ = true;
  bom_matched_ = 0;
  if (!line_open_) return false;
  return EndLine(out);
}

void LineSplitter::Append(std::string_view segment) {
  if (text_.empty()) {
    size_t skip = 0;
    while (skip < segment.size() && IsBlank(segment[skip])) ++skip;
    segment.remove_prefix(skip);
    if (segment.empty()) return;
  }
  const size_t room = kMaxKeptLineBytes - text_.size();
  if (segment.size() <= room) {
    text_.append(segment);
    return;
  }
  text_.append(segment.substr(0, room));
  if (overflow_) return;
  for (char c : segment.substr(room)) {
    if (!IsBlank(c)) {
      overflow_ = true;
      return;
    }
  }
}

bool LineSplitter::EndLine(InputLine* out) {
  ++lines_seen_;
  line_open_ = false;
  if (!overflow_) {
    size_t end = text_.size();
    while (end > 0 && IsBlank(text_[end - 1])) --end;
    text_.resize(end);
  }
  const bool too_long = overflow_ || text_.size() > kMaxLineBytes;
  const bool truncated = overflow_;
  overflow_ = false;
  if (text_.empty() || text_[0] == '#') {
    text_.clear();
    return false;
  }
  out->line = lines_seen_;
  out->too_long = too_long;
  out->truncated = truncated;
  std::swap(out->text, text_);
  text_.clear();
  return true;
}

}  // namespace urlsweep
