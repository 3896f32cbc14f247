// InputFile: a result file opened for reading, either streamed with read(2) (CSV, JSON Lines, also from
// standard input) or mapped whole (Parquet, whose footer comes last). Errors are one line naming the
// file, such as "reading out.csv: Is a directory".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace urlsweep {

class InputFile {
 public:
  // "-" is standard input (never closed here).
  static absl::StatusOr<InputFile> Open(const std::string& path);

  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) = delete;
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  const std::string& name() const { return name_; }
  // Up to `size` bytes into `buffer`; 0 at the end of the file. Retries EINTR.
  absl::StatusOr<size_t> Read(char* buffer, size_t size);
  // The whole file mapped read-only (empty for an empty file); the view lives as long as this object.
  // Standard input and other unmappable files are an error.
  absl::StatusOr<std::string_view> Map();
  // The first bytes of the file, up to `size`, without moving the read position (for format sniffing).
  absl::StatusOr<std::string> Peek(size_t size);

 private:
  InputFile(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  absl::Status Error(std::string_view verb) const;

  int fd_ = -1;
  std::string name_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
};

}  // namespace urlsweep
