// Streaming input: URL lines from files (plain or .gz) and standard input, numbered as the contract says
// (shared/spec/CONTRACT.md, "Input lines"). Memory stays bounded whatever the input's length.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scanner/line_splitter.h"

namespace urlsweep {

class InputReader {
 public:
  // Checks every path can be opened (fails with one clear line "cannot open 'x.txt': No such file or
  // directory"), then reads them in order, lazily. "-" = standard input; an empty list = standard input.
  // Files are read through zlib's gzread so .gz files are decompressed (plain files pass through).
  static absl::StatusOr<std::unique_ptr<InputReader>> Open(const std::vector<std::string>& paths);

  ~InputReader();
  InputReader(const InputReader&) = delete;
  InputReader& operator=(const InputReader&) = delete;

  // Next line that is not blank and not a comment (#...). Returns false at the end of all inputs. A read
  // error mid-way (including a corrupt or truncated .gz) is a Status with one clear line naming the file;
  // it is returned again by every later call.
  absl::StatusOr<bool> Next(InputLine* out);

  // Physical lines counted so far, skipped ones included.
  int64_t lines_seen() const { return splitter_.lines_seen(); }
  // Bytes read from the inputs so far (after decompression, for .gz), from any thread: the progress
  // figures compare it with the inputs' total size.
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  explicit InputReader(std::vector<std::string> paths);

  // Opens paths_[next_path_]; sets failure_ on error.
  bool OpenNext();
  // Closes the current file, if any.
  void CloseCurrent();
  // A printable name for paths_[index]: 'path' in quotes, or "standard input".
  std::string DisplayName(size_t index) const;

  std::vector<std::string> paths_;
  size_t next_path_ = 0;   // the next path to open
  size_t open_path_ = 0;   // the path `file_` reads, when open
  void* file_ = nullptr;   // gzFile; void* keeps zlib.h out of this header
  LineSplitter splitter_;
  std::unique_ptr<char[]> buffer_;  // kReadChunkBytes of decompressed input
  std::string_view pending_;        // the part of buffer_ not yet fed to splitter_
  absl::Status failure_;
  std::atomic<uint64_t> bytes_read_{0};
};

}  // namespace urlsweep
