// OutputFile: every writer hands its encoded bytes to one; output_file.cc is the only code in output/
// that calls write(2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace urlsweep {

// Where encoded bytes go: a file descriptor with a user-space buffer. Errors (EPIPE, ENOSPC, EIO...)
// become a Status with one clear line such as "writing out.csv: No space left on device".
//
// Each Append is kept whole or not at all in a regular file: a write that fails part-way (disk full,
// file-size limit) is cut back to the end of the last Append it wrote whole, so a file never ends
// inside a row (the text writers Append whole rows only). A pipe or terminal cannot be cut: it keeps
// what reached it.
class OutputFile {
 public:
  // Takes ownership of fd unless it is 1 (standard output). `name` is used in messages.
  OutputFile(int fd, std::string name);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  // Appends to the buffer; writes through when it exceeds kBufferBytes.
  absl::Status Append(std::string_view bytes);
  // Writes the whole buffer to the fd (retrying short writes and EINTR). On failure, what it wrote of a
  // regular file past the last whole Append is cut off again; the rest stays buffered for a retry.
  absl::Status Flush();
  // Flushes, fsyncs when `sync` (regular files only), and closes the fd unless it is standard output.
  absl::Status Close(bool sync);
  // Bytes handed to the fd so far plus buffered ones.
  int64_t offset() const { return offset_; }
  // Bytes handed to the fd so far: the file's content ends there (in offset()'s terms).
  int64_t written() const { return offset_ - static_cast<int64_t>(buffer_.size()); }
  // Drops everything from `offset` (at most written()) on: the buffered bytes, and for a regular file
  // the bytes written past it. A Parquet writer uses it to end a failed file after its last whole row
  // group. Fails, changing nothing, when written bytes would have to go from a pipe or terminal.
  absl::Status CutTo(int64_t offset);
  // For a resumed run: the fd is positioned at `offset`, where the kept prefix of the file ends.
  void set_start_offset(int64_t offset) { offset_ = offset; }
  int fd() const { return fd_; }
  const std::string& name() const { return name_; }

 private:
  // Large enough that a write(2) carries many rows; small enough to stay in cache.
  static constexpr size_t kBufferBytes = 1 << 20;
  // The text writers hand over about 16 KiB at a time, so a full buffer holds some 64 Appends; rows
  // arriving in small batches make more, and the list grows to fit them once.
  static constexpr size_t kReservedAppendEnds = 64;
  // Cuts the last `bytes` written off a regular file (the position after them is asked for, not
  // remembered: with O_APPEND, writes land at the end whatever the offset was). False with errno set.
  bool CutWrittenTail(int64_t bytes);
  // Truncates a regular file to `position` (a file offset) and continues writing there.
  bool CutFileTo(int64_t position);
  // Forgets the first `bytes` of the buffer's Append ends after they left the buffer.
  void DropAppendEnds(size_t bytes);

  int fd_;
  std::string name_;
  std::string buffer_;
  // Where in buffer_ each Append ended, ascending: the places a failed write may be cut back to.
  std::vector<size_t> append_ends_;
  int64_t offset_ = 0;
  bool closed_ = false;
  // The fd is a regular file (not a pipe, terminal or device), so a failed write can be cut back.
  bool regular_ = false;
};

}  // namespace urlsweep
