// OutputFile: a user-space buffer in front of a file descriptor. It is the only code in output/ that
// calls write(2), so every way a write can end short (EINTR, a partial write, EAGAIN on a descriptor
// someone else made non-blocking) is handled once, here.
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "output/writer.h"

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
}

OutputFile::~OutputFile() {
  // Only releases the descriptor: bytes reach the file through Flush() or Close(), whose errors can be
  // reported; a destructor could only drop them silently.
  if (!closed_ && fd_ != kStdoutFd && fd_ >= 0) ::close(fd_);
}

absl::Status OutputFile::Append(std::string_view bytes) {
  if (closed_) return absl::FailedPreconditionError(absl::StrCat("writing ", name_, ": file is closed"));
  buffer_.append(bytes.data(), bytes.size());
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
    // Keep the unwritten tail: offset() still counts it, and a later Flush() may retry it.
    buffer_.erase(0, done);
    return WriteError(name_, error_number);
  }
  buffer_.clear();
  return absl::OkStatus();
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
