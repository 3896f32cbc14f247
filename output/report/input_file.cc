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
  if (fstat(fd, &st) != 0) st.st_mode = 0;
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(absl::StrCat("cannot read '", path, "': it is a directory"));
  }
  InputFile file(fd, path);
  // Only a regular file can be looked at without consuming it; standard input is read as it is.
  char head[4];
  const ssize_t n = S_ISREG(st.st_mode) ? pread(fd, head, sizeof(head), 0) : 0;
  if (n > 0) file.compression_ = StreamDecompressor::Sniff(std::string_view(head, static_cast<size_t>(n)));
  if (file.compression_ != OutputCompression::kNone) {
    file.decompressor_ = std::make_unique<StreamDecompressor>(file.compression_, path);
  }
  return file;
}

InputFile::InputFile(InputFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      name_(std::move(other.name_)),
      map_(std::exchange(other.map_, nullptr)),
      map_size_(std::exchange(other.map_size_, 0)),
      compression_(other.compression_),
      decompressor_(std::move(other.decompressor_)),
      compressed_(std::move(other.compressed_)),
      compressed_pos_(other.compressed_pos_),
      compressed_eof_(other.compressed_eof_) {}

InputFile::~InputFile() {
  if (map_ != nullptr) munmap(map_, map_size_);
  if (fd_ > 0) close(fd_);
}

absl::Status InputFile::Error(std::string_view verb) const {
  return absl::ErrnoToStatus(errno, absl::StrCat(ToAbsl(verb), " ", name_));
}

absl::StatusOr<size_t> InputFile::Read(char* buffer, size_t size) {
  return decompressor_ != nullptr ? ReadDecompressed(buffer, size) : ReadRaw(buffer, size);
}

absl::StatusOr<size_t> InputFile::ReadDecompressed(char* buffer, size_t size) {
  while (true) {
    if (compressed_pos_ == compressed_.size() && !compressed_eof_) {
      compressed_.resize(kCompressedChunkBytes);
      absl::StatusOr<size_t> n = ReadRaw(compressed_.data(), compressed_.size());
      if (!n.ok()) return n.status();
      compressed_.resize(*n);
      compressed_pos_ = 0;
      compressed_eof_ = *n == 0;
    }
    std::string_view pending = std::string_view(compressed_).substr(compressed_pos_);
    absl::StatusOr<size_t> produced = decompressor_->Decompress(&pending, buffer, size);
    if (!produced.ok()) return produced.status();
    compressed_pos_ = compressed_.size() - pending.size();
    if (*produced > 0) return produced;
    if (compressed_eof_ && pending.empty()) {
      if (!decompressor_->at_boundary()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "reading ", name_, ": the ", ToAbsl(OutputCompressionName(compression_)), " stream is cut short"));
      }
      return 0;
    }
  }
}

absl::StatusOr<size_t> InputFile::ReadRaw(char* buffer, size_t size) {
  while (true) {
    const ssize_t n = read(fd_, buffer, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Error("reading");
  }
}

absl::StatusOr<std::string_view> InputFile::Map() {
  if (map_ != nullptr) return std::string_view(static_cast<const char*>(map_), map_size_);
  if (decompressor_ != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", name_, ": a Parquet result cannot be ",
                                                   ToAbsl(OutputCompressionName(compression_)), "-compressed"));
  }
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
  if (decompressor_ != nullptr) {
    // A decompressor of its own over the file's first bytes leaves the reading one where it is.
    absl::StatusOr<std::string> raw = PeekRaw(kCompressedChunkBytes);
    if (!raw.ok()) return raw.status();
    StreamDecompressor peek(compression_, name_);
    std::string out(size, '\0');
    std::string_view in = *raw;
    absl::StatusOr<size_t> n = peek.Decompress(&in, out.data(), out.size());
    if (!n.ok()) return n.status();
    out.resize(*n);
    return out;
  }
  return PeekRaw(size);
}

absl::StatusOr<std::string> InputFile::PeekRaw(size_t size) {
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
