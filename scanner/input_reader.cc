#include "scanner/input_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace urlsweep {
namespace {

// Input of any length is read in bounded memory (docs/resume-and-shards.md#input): one 64 KiB buffer of
// content and one of bytes as read (plus zlib's 32 KiB window for compressed ones) amortise the read calls
// without holding much.
constexpr size_t kReadChunkBytes = 64 * 1024;
// Regular files whose descriptors stay open from Open() until reading reaches them. A file beyond these
// is opened again when reached (harmless for a regular file), so that a list of thousands of files does
// not run into the usual soft limit of 1,024 descriptors before the scan raises it. A named pipe or a
// device always keeps its descriptor: a second open is what its writer would notice.
constexpr size_t kMaxKeptFileDescriptors = 64;

// One clear line naming the input and the system's words: "cannot read 'x.txt': Input/output error".
absl::Status ReadError(const std::string& name, absl::string_view words) {
  return absl::DataLossError(absl::StrCat("cannot read ", name, ": ", words));
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
  const int wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd < 0) {
    const int saved_errno = errno;
    close_all();
    return absl::ErrnoToStatus(saved_errno, "cannot read the input");
  }
  return std::unique_ptr<InputReader>(new InputReader(std::move(sources), std::move(identity), wake_fd));
}

InputReader::InputReader(std::vector<Source> sources, std::vector<InputIdentity> identity, int wake_fd)
    : sources_(std::move(sources)),
      identity_(std::move(identity)),
      raw_(new char[kReadChunkBytes]),
      wake_fd_(wake_fd),
      buffer_(new char[kReadChunkBytes]) {}

InputReader::~InputReader() {
  CloseCurrent();
  for (Source& s : sources_) {
    if (s.fd >= 0) close(s.fd);
  }
  close(wake_fd_);
}

void InputReader::Interrupt() {
  interrupted_.store(true);
  // An eventfd stays readable until it is read, and it never is: every later poll returns at once.
  const uint64_t one = 1;
  ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  (void)ignored;
}

std::string InputReader::DisplayName(size_t index) const {
  if (IsStdin(sources_[index].path)) return "standard input";
  return absl::StrCat("'", sources_[index].path, "'");
}

void InputReader::CloseCurrent() {
  if (fd_ >= 0 && own_fd_) close(fd_);
  fd_ = -1;
  own_fd_ = false;
  raw_ended_ = false;
  raw_begin_ = raw_end_ = 0;
  encoding_ = Encoding::kUndecided;
  gzip_.Reset();
}

bool InputReader::OpenNext() {
  const size_t index = next_path_++;
  Source& source = sources_[index];
  int fd = -1;
  if (IsStdin(source.path)) {
    // Never closed here: a later "-" reads on from where this one ended (its end, for a pipe).
    fd = STDIN_FILENO;
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
  struct stat info;
  fd_ = fd;
  own_fd_ = fd != STDIN_FILENO;
  // A regular file always has its bytes at hand; anything else (pipe, FIFO, terminal, socket, device)
  // may make read(2) wait, so it is polled together with the wake-up descriptor.
  poll_fd_ = !(fstat(fd, &info) == 0 && S_ISREG(info.st_mode));
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
    if (interrupted()) return false;
    size_t want = kReadChunkBytes;
    if (limit >= 0) {
      // Only this thread writes bytes_read_: reading it here needs no lock.
      const int64_t left = limit - bytes_read_.load(std::memory_order_relaxed);
      if (left <= 0) return false;
      want = static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(want)));
    }
    if (fd_ < 0) {
      if (next_path_ == sources_.size()) return false;
      if (!OpenNext()) return failure_;
    }
    absl::StatusOr<size_t> n = ReadContent(want);
    if (!n.ok()) {
      failure_ = ReadError(DisplayName(open_path_), n.status().message());
      CloseCurrent();
      return failure_;
    }
    if (*n == 0) {
      if (interrupted()) return false;
      CloseCurrent();
      if (splitter_.EndInput(out)) return true;
      continue;
    }
    pending_ = std::string_view(buffer_.get(), *n);
    {
      // Digested as read, before any of its lines is handed out: a checkpoint's position then covers
      // every line written before it.
      std::lock_guard<std::mutex> lock(position_mu_);
      digest_.Update(pending_);
      bytes_read_.fetch_add(static_cast<int64_t>(*n), std::memory_order_relaxed);
    }
  }
}

absl::StatusOr<size_t> InputReader::ReadContent(size_t want) {
  while (encoding_ == Encoding::kUndecided) {
    // Two bytes tell gzip from plain text; a source shorter than that is plain.
    if (raw_end_ >= 2 || raw_ended_) {
      encoding_ = GzipDecoder::StartsMember(std::string_view(raw_.get(), raw_end_)) ? Encoding::kGzip
                                                                                   : Encoding::kPlain;
      break;
    }
    if (absl::Status st = FillRaw(); !st.ok()) return st;
    if (interrupted()) return 0;
  }
  if (encoding_ == Encoding::kPlain) {
    if (raw_begin_ < raw_end_) {
      // The bytes read to decide the encoding.
      const size_t n = std::min(want, raw_end_ - raw_begin_);
      memcpy(buffer_.get(), raw_.get() + raw_begin_, n);
      raw_begin_ += n;
      return n;
    }
    if (raw_ended_) return 0;
    absl::StatusOr<size_t> n = ReadRaw(buffer_.get(), want);
    if (n.ok() && *n == 0 && !interrupted()) raw_ended_ = true;
    return n;
  }
  while (!gzip_.ended()) {
    std::string_view in(raw_.get() + raw_begin_, raw_end_ - raw_begin_);
    absl::StatusOr<size_t> n = gzip_.Decode(&in, buffer_.get(), want, raw_ended_);
    raw_begin_ = raw_end_ - in.size();
    if (!n.ok() || *n > 0) return n;
    if (gzip_.ended()) break;
    if (absl::Status st = FillRaw(); !st.ok()) return st;
    if (interrupted()) return 0;
  }
  return 0;
}

absl::Status InputReader::FillRaw() {
  if (raw_begin_ > 0) {
    memmove(raw_.get(), raw_.get() + raw_begin_, raw_end_ - raw_begin_);
    raw_end_ -= raw_begin_;
    raw_begin_ = 0;
  }
  absl::StatusOr<size_t> n = ReadRaw(raw_.get() + raw_end_, kReadChunkBytes - raw_end_);
  if (!n.ok()) return n.status();
  if (*n == 0 && !interrupted()) raw_ended_ = true;
  raw_end_ += *n;
  return absl::OkStatus();
}

absl::StatusOr<size_t> InputReader::ReadRaw(char* out, size_t capacity) {
  for (;;) {
    if (interrupted()) return 0;
    if (poll_fd_) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      // Nothing at hand yet: the caller hands on what it holds before the wait, which may be long.
      if (before_wait_ && poll(fds, 2, 0) == 0) before_wait_();
      if (poll(fds, 2, -1) < 0) {
        const int error_number = errno;
        if (error_number == EINTR) continue;
        return absl::DataLossError(strerror(error_number));
      }
      if (fds[1].revents != 0) return 0;
      // POLLHUP or POLLERR: read(2) tells the end or the error.
      if (fds[0].revents == 0) continue;
    }
    const ssize_t n = read(fd_, out, capacity);
    if (n >= 0) return static_cast<size_t>(n);
    const int error_number = errno;
    if (error_number == EINTR) continue;
    // Another process sharing standard input's open file made it non-blocking: poll waits instead.
    if (error_number == EAGAIN || error_number == EWOULDBLOCK) {
      poll_fd_ = true;
      continue;
    }
    return absl::DataLossError(strerror(error_number));
  }
}

}  // namespace urlsweep
