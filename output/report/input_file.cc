#include "output/report/input_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/text.h"

namespace urlsweep {

absl::StatusOr<InputFile> InputFile::Open(const std::string& path) {
  if (path == "-") return InputFile(0, "standard input");
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot open '", path, "'"));
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("cannot read '", path, "': it is a directory"));
  }
  return InputFile(fd, path);
}

InputFile::InputFile(InputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)) {}

InputFile::~InputFile() {
  if (map_ != nullptr) munmap(map_, map_size_);
  if (fd_ > 0) close(fd_);
}

absl::Status InputFile::Error(std::string_view verb) const {
  return absl::ErrnoToStatus(errno, absl::StrCat(ToAbsl(verb), " ", name_));
}

absl::StatusOr<size_t> InputFile::Read(char* buffer, size_t size) {
  while (true) {
    const ssize_t n = read(fd_, buffer, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Error("reading");
  }
}

absl::StatusOr<std::string_view> InputFile::Map() {
  if (map_ != nullptr) return std::string_view(static_cast<const char*>(map_), map_size_);
  struct stat st;
  if (fstat(fd_, &st) != 0) return Error("reading");
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", name_, ": a Parquet result must be a regular file"));
  }
  if (st.st_size == 0) return std::string_view();
  void* p = mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd_, 0);
  if (p == MAP_FAILED) return Error("mapping");
  map_ = p;
  map_size_ = static_cast<size_t>(st.st_size);
  // The report reads each column chunk once, front to back.
  madvise(map_, map_size_, MADV_SEQUENTIAL);
  return std::string_view(static_cast<const char*>(map_), map_size_);
}

absl::StatusOr<std::string> InputFile::Peek(size_t size) {
  std::string out(size, '\0');
  while (true) {
    const ssize_t n = pread(fd_, out.data(), size, 0);
    if (n >= 0) {
      out.resize(static_cast<size_t>(n));
      return out;
    }
    if (errno != EINTR) return Error("reading");
  }
}

}  // namespace urlsweep
