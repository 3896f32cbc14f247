#include "scanner/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
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
// Regular files whose descriptors stay open from Open() until reading reaches them. A file beyond these
// is opened again when reached (harmless for a regular file), so that a list of thousands of files does
// not run into the usual soft limit of 1,024 descriptors before the scan raises it. A named pipe or a
// device always keeps its descriptor: a second open is what its writer would notice.
constexpr size_t kMaxKeptFileDescriptors = 64;

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
// Sets *size to the size of a regular file, else -1.
absl::StatusOr<int> OpenFile(const std::string& path, int64_t* size) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", path, "'"));
  struct stat info;
  *size = -1;
  if (fstat(fd, &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      close(fd);
      return absl::ErrnoToStatus(EISDIR, absl::StrCat("cannot open '", path, "'"));
    }
    if (S_ISREG(info.st_mode)) *size = static_cast<int64_t>(info.st_size);
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<InputReader>> InputReader::Open(const std::vector<std::string>& paths) {
  std::vector<std::string> list = paths;
  if (list.empty()) list.push_back("-");
  std::vector<Source> sources;
  std::vector<InputIdentity> identity;
  size_t kept = 0;
  auto close_all = [&] {
    for (Source& s : sources) {
      if (s.fd >= 0) close(s.fd);
    }
  };
  for (const std::string& path : list) {
    Source source{path};
    int64_t size = -1;
    if (!IsStdin(path)) {
      absl::StatusOr<int> fd = OpenFile(path, &size);
      if (!fd.ok()) {
        close_all();
        return fd.status();
      }
      if (size < 0 || kept < kMaxKeptFileDescriptors) {
        source.fd = *fd;
        if (size >= 0) ++kept;
      } else {
        close(*fd);
      }
    }
    sources.push_back(std::move(source));
    identity.push_back({path, size});
  }
  return std::unique_ptr<InputReader>(new InputReader(std::move(sources), std::move(identity)));
}

InputReader::InputReader(std::vector<Source> sources, std::vector<InputIdentity> identity)
    : sources_(std::move(sources)), identity_(std::move(identity)), buffer_(new char[kReadChunkBytes]) {}

InputReader::~InputReader() {
  CloseCurrent();
  for (Source& s : sources_) {
    if (s.fd >= 0) close(s.fd);
  }
}

std::string InputReader::DisplayName(size_t index) const {
  if (IsStdin(sources_[index].path)) return "standard input";
  return absl::StrCat("'", sources_[index].path, "'");
}

void InputReader::CloseCurrent() {
  if (file_ != nullptr) gzclose_r(AsGz(file_));
  file_ = nullptr;
}

bool InputReader::OpenNext() {
  const size_t index = next_path_++;
  Source& source = sources_[index];
  int fd = -1;
  if (IsStdin(source.path)) {
    // gzclose closes the descriptor it was given; standard input must stay open for a later "-".
    fd = dup(STDIN_FILENO);
    if (fd < 0) {
      failure_ = absl::ErrnoToStatus(errno, "cannot open standard input");
      return false;
    }
  } else if (source.fd >= 0) {
    fd = std::exchange(source.fd, -1);
  } else {
    int64_t size = -1;
    absl::StatusOr<int> opened = OpenFile(source.path, &size);
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

InputReader::Position InputReader::position() const {
  std::lock_guard<std::mutex> lock(position_mu_);
  return {bytes_read_.load(std::memory_order_relaxed), digest_.HexDigest()};
}

absl::StatusOr<bool> InputReader::Next(InputLine* out) {
  if (!held_.empty()) {
    std::swap(*out, held_.front());
    held_.pop_front();
    return true;
  }
  return ReadLine(out, -1);
}

absl::StatusOr<std::string> InputReader::ReadPrefix(int64_t bytes,
                                                    const std::function<bool(const InputLine&)>& keep) {
  InputLine line;
  while (true) {
    absl::StatusOr<bool> more = ReadLine(&line, bytes);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (keep(line)) held_.push_back(line);
  }
  Position read = position();
  if (read.bytes < bytes) {
    return absl::OutOfRangeError(absl::StrCat("the input ends after ", read.bytes,
                                              " bytes, but the interrupted run had read ", bytes));
  }
  return std::move(read.sha256);
}

absl::StatusOr<bool> InputReader::ReadLine(InputLine* out, int64_t limit) {
  if (!failure_.ok()) return failure_;
  while (true) {
    if (!pending_.empty()) {
      if (splitter_.Feed(&pending_, out)) return true;
      continue;
    }
    size_t want = kReadChunkBytes;
    if (limit >= 0) {
      // Only this thread writes bytes_read_: reading it here needs no lock.
      const int64_t left = limit - bytes_read_.load(std::memory_order_relaxed);
      if (left <= 0) return false;
      want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(want)));
    }
    if (file_ == nullptr) {
      if (next_path_ == sources_.size()) return false;
      if (!OpenNext()) return failure_;
    }
    const int n = gzread(AsGz(file_), buffer_.get(), static_cast<unsigned>(want));
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
    {
      // Digested as read, before any of its lines is handed out: a checkpoint's position then covers
      // every line written before it.
      std::lock_guard<std::mutex> lock(position_mu_);
      digest_.Update(pending_);
      bytes_read_.fetch_add(n, std::memory_order_relaxed);
    }
  }
}

}  // namespace urlsweep
