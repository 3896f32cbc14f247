// OutputFile: a user-space buffer in front of a file descriptor. It is the only code in output/ that
// calls write(2), so every way a write can end short (EINTR, a partial write, EAGAIN on a descriptor
// someone else made non-blocking) is handled once, here.
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "output/output_file.h"

namespace urlsweep {
namespace {

constexpr int kStdoutFd = 1;

// Room for the longest strerror text glibc produces, with margin.
constexpr size_t kErrorTextBytes = 256;

// strerror_r has two signatures: GNU returns the text, XSI fills the buffer and returns 0. These
// overloads accept either, so the file builds with both; strerror() itself is not thread-safe.
[[maybe_unused]] const char* ErrorText(const char* gnu_result, const char*) { return gnu_result; }
[[maybe_unused]] const char* ErrorText(int xsi_result, const char* buffer) {
  return xsi_result == 0 ? buffer : "Unknown error";
}

// One clear line naming the file and the system's words, e.g. "writing out.csv: Broken pipe".
absl::Status WriteError(const std::string& name, int error_number) {
  char buffer[kErrorTextBytes];
  const char* text = ErrorText(strerror_r(error_number, buffer, sizeof(buffer)), buffer);
  return absl::Status(absl::ErrnoToStatusCode(error_number), absl::StrCat("writing ", name, ": ", text));
}

// Blocks until `fd` is writable. Used only after EAGAIN: standard output may be a pipe or terminal that
// another process sharing the open file description switched to O_NONBLOCK.
int WaitWritable(int fd) {
  pollfd p{};
  p.fd = fd;
  p.events = POLLOUT;
  for (;;) {
    int n = poll(&p, 1, -1);
    if (n >= 0) return 0;
    if (errno != EINTR) return errno;
  }
}

}  // namespace

OutputFile::OutputFile(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
  // Reserved once so that appends in steady state never reallocate.
  buffer_.reserve(kBufferBytes);
  append_ends_.reserve(kReservedAppendEnds);
  struct stat st;
  regular_ = fd_ >= 0 && ::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode);
}

OutputFile::~OutputFile() {
  // Only releases the descriptor: bytes reach the file through Flush() or Close(), whose errors can be
  // reported; a destructor could only drop them silently.
  if (!closed_ && fd_ != kStdoutFd && fd_ >= 0) ::close(fd_);
}

absl::Status OutputFile::Append(std::string_view bytes) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("writing ", name_, ": file is closed"));
  buffer_.append(bytes.data(), bytes.size());
  append_ends_.push_back(buffer_.size());
  offset_ += static_cast<int64_t>(bytes.size());
  if (buffer_.size() >= kBufferBytes) return Flush();
  return absl::OkStatus();
}

absl::Status OutputFile::Flush() {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("writing ", name_, ": file is closed"));
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    // write(2) of a non-empty buffer returns 0 only on odd devices; report it rather than spin.
    int error_number = n == 0 ? EIO : errno;
    if (error_number == EINTR) continue;
    if (error_number == EAGAIN || error_number == EWOULDBLOCK) {
      error_number = WaitWritable(fd_);
      if (error_number == 0) continue;
    }
    // A disk that filled up mid-write leaves part of an Append in the file: cut the file back to the
    // end of the last Append written whole (writers Append whole rows), so that it never ends inside a
    // row.
    size_t kept = done;
    if (regular_ && done > 0) {
      auto after = std::upper_bound(append_ends_.begin(), append_ends_.end(), done);
      const size_t whole = after == append_ends_.begin() ? 0 : *std::prev(after);
      if (CutWrittenTail(static_cast<int64_t>(done - whole))) kept = whole;
    }
    // Keep the unwritten tail: offset() still counts it, and a later Flush() may retry it.
    buffer_.erase(0, kept);
    DropAppendEnds(kept);
    return WriteError(name_, error_number);
  }
  buffer_.clear();
  append_ends_.clear();
  return absl::OkStatus();
}

absl::Status OutputFile::CutTo(int64_t offset) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("writing ", name_, ": file is closed"));
  const int64_t on_file = written();
  if (offset < 0 || offset > on_file) {
    return absl::InvalidArgumentError(
        absl::StrCat("writing ", name_, ": cannot cut at byte ", offset, " of ", on_file, " written"));
  }
  if (offset < on_file) {
    if (!regular_) {
      return absl::FailedPreconditionError(absl::StrCat("writing ", name_, ": not a regular file, cannot cut it"));
    }
    if (!CutWrittenTail(on_file - offset)) return WriteError(name_, errno);
  }
  buffer_.clear();
  append_ends_.clear();
  offset_ = offset;
  return absl::OkStatus();
}

bool OutputFile::CutWrittenTail(int64_t bytes) {
  const off_t end = ::lseek(fd_, 0, SEEK_CUR);
  if (end < 0) return false;
  if (end < static_cast<off_t>(bytes)) {
    errno = EINVAL;
    return false;
  }
  return CutFileTo(end - static_cast<off_t>(bytes));
}

bool OutputFile::CutFileTo(int64_t position) {
  return ::ftruncate(fd_, static_cast<off_t>(position)) == 0 &&
         ::lseek(fd_, static_cast<off_t>(position), SEEK_SET) == static_cast<off_t>(position);
}

void OutputFile::DropAppendEnds(size_t bytes) {
  auto first_kept = std::upper_bound(append_ends_.begin(), append_ends_.end(), bytes);
  append_ends_.erase(append_ends_.begin(), first_kept);
  for (size_t& end : append_ends_) end -= bytes;
}

absl::Status OutputFile::Close(bool sync) {
  if (closed_) return absl::OkStatus();
  absl::Status status = Flush();
  if (status.ok() && sync) {
    struct stat st;
    // fsync on a pipe or terminal fails with EINVAL; only a regular file has anything to make durable.
    if (::fstat(fd_, &st) == 0 && S_ISREG(st.st_mode) && ::fsync(fd_) != 0) {
      status = WriteError(name_, errno);
    }
  }
  closed_ = true;
  if (fd_ != kStdoutFd) {
    // No retry on EINTR: Linux releases the descriptor even then, and a retry could close a descriptor
    // another thread has just been given. An error here (EIO on NFS) is a lost write.
    if (::close(fd_) != 0 && errno != EINTR && status.ok()) status = WriteError(name_, errno);
  }
  return status;
}

}  // namespace urlsweep
