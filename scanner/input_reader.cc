#include "scanner/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// The contract asks for input of any length in bounded memory: one 64 KiB buffer of decompressed bytes
// (and as much again inside zlib for compressed ones) amortises the read calls without holding much.
constexpr size_t kReadChunkBytes = 64 * 1024;

gzFile AsGz(void* file) { return static_cast<gzFile>(file); }

// gzerror prefixes its text with the name given to gzdopen, "<fd:N>: ", which means nothing to a user;
// the caller names the file itself.
const char* WithoutFdPrefix(const char* message) {
  if (message == nullptr || strncmp(message, "<fd:", 4) != 0) return message;
  const char* end = strstr(message, ">: ");
  return end == nullptr ? message : end + 3;
}

bool IsStdin(const std::string& path) { return path == "-"; }

// Opens `path` read-only, refusing directories (open(2) accepts them and only read(2) would fail).
absl::StatusOr<int> OpenFile(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", path, "'"));
  struct stat info;
  if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    close(fd);
    return absl::ErrnoToStatus(EISDIR, absl::StrCat("cannot open '", path, "'"));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(const std::vector<std::string>& paths) {
  std::vector<std::string> list = paths;
  if (list.empty()) list.push_back("-");
  // Checked up front so that a typo in the last of many files fails the run before any row is written;
  // the files are opened again, one at a time, as reading reaches them.
  for (const std::string& path : list) {
    if (IsStdin(path)) continue;
    absl::StatusOr<int> fd = OpenFile(path);
    if (!fd.ok()) return fd.status();
    close(*fd);
  }
  return std::unique_ptr<InputReader>(new InputReader(std::move(list)));
}

InputReader::InputReader(std::vector<std::string> paths)
    : paths_(std::move(paths)), buffer_(new char[kReadChunkBytes]) {}

InputReader::~InputReader() { CloseCurrent(); }

std::string InputReader::DisplayName(size_t index) const {
  if (IsStdin(paths_[index])) return "standard input";
  return absl::StrCat("'", paths_[index], "'");
}

void InputReader::CloseCurrent() {
  if (file_ != nullptr) gzclose_r(AsGz(file_));
  file_ = nullptr;
}

bool InputReader::OpenNext() {
  const size_t index = next_path_++;
  const std::string& path = paths_[index];
  int fd;
  if (IsStdin(path)) {
    // gzclose closes the descriptor it was given; standard input must stay open for a later "-".
    fd = dup(STDIN_FILENO);
    if (fd < 0) {
      failure_ = absl::ErrnoToStatus(errno, "cannot open standard input");
      return false;
    }
  } else {
    absl::StatusOr<int> opened = OpenFile(path);
    if (!opened.ok()) {
      failure_ = opened.status();
      return false;
    }
    fd = *opened;
  }
  gzFile file = gzdopen(fd, "rb");
  if (file == nullptr) {
    close(fd);
    failure_ = absl::ResourceExhaustedError(absl::StrCat("cannot open ", DisplayName(index), ": out of memory"));
    return false;
  }
  gzbuffer(file, kReadChunkBytes);
  file_ = file;
  open_path_ = index;
  return true;
}

absl::StatusOr<bool> InputReader::Next(InputLine* out) {
  if (!failure_.ok()) return failure_;
  while (true) {
    if (!pending_.empty()) {
      if (splitter_.Feed(&pending_, out)) return true;
      continue;
    }
    if (file_ == nullptr) {
      if (next_path_ == paths_.size()) return false;
      if (!OpenNext()) return failure_;
    }
    const int n = gzread(AsGz(file_), buffer_.get(), kReadChunkBytes);
    int zerr = Z_OK;
    const char* message = nullptr;
    if (n <= 0) {
      const int saved_errno = errno;
      message = gzerror(AsGz(file_), &zerr);
      if (zerr == Z_ERRNO) message = strerror(saved_errno);
      message = WithoutFdPrefix(message);
    }
    // zlib reports a truncated .gz as Z_BUF_ERROR at the end rather than as a failed read.
    if (n < 0 || (zerr != Z_OK && zerr != Z_STREAM_END)) {
      failure_ = absl::DataLossError(absl::StrCat("cannot read ", DisplayName(open_path_), ": ",
                                                  message != nullptr ? message : "read error"));
      CloseCurrent();
      return failure_;
    }
    if (n == 0) {
      CloseCurrent();
      if (splitter_.EndInput(out)) return true;
      continue;
    }
    pending_ = std::string_view(buffer_.get(), static_cast<size_t>(n));
    bytes_read_.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
  }
}

}  // namespace urlsweep
