#include "scanner/journal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/output_format.h"
#include "core/text.h"

namespace urlsweep {
namespace {

constexpr char kMagic[] = "urlsweep-journal 1 ";

absl::Status Errno(std::string_view what, const std::string& path) {
  return absl::InvalidArgumentError(absl::StrCat(std::string(what), " '", path, "': ", std::strerror(errno)));
}

absl::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("writing journal", path);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

bool ReadFile(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

// The journal writes its checkpoint bytes in lower-case hex only, so an upper-case digit marks a
// damaged record rather than another spelling (core/text.h's HexDigitValue takes both cases).
int LowerHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ParseRanges(std::string_view text, std::vector<std::pair<int64_t, int64_t>>* out) {
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    size_t dash = item.find('-');
    int64_t first = 0;
    int64_t last = 0;
    if (!absl::SimpleAtoi(absl::string_view(item.data(), dash == std::string_view::npos ? item.size() : dash), &first)) {
      return false;
    }
    last = first;
    if (dash != std::string_view::npos &&
        !absl::SimpleAtoi(absl::string_view(item.data() + dash + 1, item.size() - dash - 1), &last)) {
      return false;
    }
    if (last < first) return false;
    out->emplace_back(first, last);
  }
  return true;
}

// Parses the journal text; returns the byte length of its committed prefix.
bool ParseJournal(std::string_view text, OutputFormat format, RecoveredRun* run, size_t* committed_bytes,
                  std::string* problem) {
  const std::string header = absl::StrCat(kMagic, ToAbsl(OutputFormatName(format)), "\n");
  if (text.substr(0, header.size()) != header) {
    *problem = text.substr(0, sizeof(kMagic) - 1) == kMagic ? "it was written for another --format"
                                                          : "it is not an urlsweep journal";
    return false;
  }
  size_t pos = header.size();
  *committed_bytes = pos;
  std::vector<std::pair<int64_t, int64_t>> pending;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) break;  // torn tail
    std::string_view line = text.substr(pos, nl - pos);
    if (line.size() >= 2 && line[0] == 'L' && line[1] == ' ') {
      if (!ParseRanges(line.substr(2), &pending)) break;
    } else if (line.size() >= 2 && line[0] == 'C' && line[1] == ' ') {
      std::string_view rest = line.substr(2);
      size_t sp = rest.find(' ');
      int64_t offset = 0;
      if (sp == std::string_view::npos || !absl::SimpleAtoi(absl::string_view(rest.data(), sp), &offset)) break;
      std::string_view hex = rest.substr(sp + 1);
      if (hex.size() % 2 != 0) break;
      std::string state;
      state.reserve(hex.size() / 2);
      bool ok = true;
      for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = LowerHexValue(hex[i]);
        int lo = LowerHexValue(hex[i + 1]);
        if (hi < 0 || lo < 0) {
          ok = false;
          break;
        }
        state.push_back(static_cast<char>(hi * 16 + lo));
      }
      if (!ok) break;
      for (auto& [first, last] : pending) run->done.AddRange(first, last);
      pending.clear();
      run->offset = offset;
      run->states.push_back(std::move(state));
      *committed_bytes = nl + 1;
    } else {
      break;
    }
    pos = nl + 1;
  }
  run->done.Normalize();
  return true;
}

}  // namespace

void LineSet::AddRange(int64_t first, int64_t last) { ranges_.emplace_back(first, last); }

void LineSet::Normalize() {
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
  cursor_ = 0;
}

bool LineSet::ContainsNext(int64_t line) {
  while (cursor_ < ranges_.size() && ranges_[cursor_].second < line) ++cursor_;
  return cursor_ < ranges_.size() && ranges_[cursor_].first <= line;
}

int64_t LineSet::size() const {
  int64_t n = 0;
  for (const auto& r : ranges_) n += r.second - r.first + 1;
  return n;
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Create(const std::string& path, OutputFormat format) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create journal", path);
  auto journal = std::unique_ptr<Journal>(new Journal(fd, path));
  absl::Status st = WriteAll(fd, absl::StrCat(kMagic, ToAbsl(OutputFormatName(format)), "\n"), path);
  if (!st.ok()) return st;
  return journal;
}

absl::StatusOr<RecoveredRun> Journal::Recover(const std::string& path, const std::string& output,
                                              OutputFormat format) {
  RecoveredRun run;
  struct stat out_st;
  const bool output_exists = stat(output.c_str(), &out_st) == 0;
  std::string text;
  if (!ReadFile(path, &text)) {
    if (!output_exists || out_st.st_size == 0) return run;  // nothing to resume: a fresh start
    return absl::FailedPreconditionError(absl::StrCat("cannot resume into '", output, "': its journal '", path,
                                                      "' is missing (was it written by urlsweep?); not overwriting it"));
  }
  size_t committed = 0;
  std::string problem;
  if (!ParseJournal(text, format, &run, &committed, &problem)) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot resume from journal '", path, "': ", problem, "; not overwriting '", output, "'"));
  }
  run.existed = true;
  const int64_t size = output_exists ? static_cast<int64_t>(out_st.st_size) : 0;
  if (size < run.offset) {
    return absl::FailedPreconditionError(absl::StrCat("cannot resume into '", output, "': it holds ", size,
                                                      " bytes but its journal says ", run.offset,
                                                      " were written; not overwriting it"));
  }
  return run;
}

absl::StatusOr<std::unique_ptr<Journal>> Journal::Reopen(const std::string& path, OutputFormat format) {
  std::string text;
  if (!ReadFile(path, &text)) return Create(path, format);
  RecoveredRun run;
  size_t committed = 0;
  std::string problem;
  if (!ParseJournal(text, format, &run, &committed, &problem)) {
    return absl::FailedPreconditionError(absl::StrCat("cannot resume from journal '", path, "': ", problem));
  }
  if (truncate(path.c_str(), static_cast<off_t>(committed)) != 0) return Errno("cannot truncate journal", path);
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open journal", path);
  return std::unique_ptr<Journal>(new Journal(fd, path));
}

Journal::~Journal() { close(fd_); }

absl::Status Journal::Commit(std::vector<int64_t>* lines, int64_t offset, std::string_view state) {
  std::sort(lines->begin(), lines->end());
  record_.assign("L ");
  for (size_t i = 0; i < lines->size();) {
    size_t j = i;
    while (j + 1 < lines->size() && (*lines)[j + 1] == (*lines)[j] + 1) ++j;
    if (i != 0) record_.push_back(',');
    absl::StrAppend(&record_, (*lines)[i]);
    if (j > i) absl::StrAppend(&record_, "-", (*lines)[j]);
    i = j + 1;
  }
  absl::StrAppend(&record_, "\nC ", offset, " ");
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : state) {
    record_.push_back(kHex[c >> 4]);
    record_.push_back(kHex[c & 15]);
  }
  record_.push_back('\n');
  // One write(2) per record: with O_APPEND, a kill leaves at worst a torn tail, which Recover ignores.
  return WriteAll(fd_, record_, path_);
}

}  // namespace urlsweep
