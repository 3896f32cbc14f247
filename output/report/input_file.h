// InputFile: a result file opened for reading, either streamed with read(2) (CSV, JSON Lines, also from
// standard input) or mapped whole (Parquet, whose footer comes last). A regular file that begins with
// gzip's or zstd's magic number (out.csv.gz, out.jsonl.zst) is streamed decompressed. Errors are one line
// naming the file, such as "reading out.csv: Is a directory".
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "output/report/stream_decompressor.h"

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
  // Up to `size` bytes into `buffer` (decompressed for a compressed file); 0 at the end of the file.
  // Retries EINTR. A compressed file that ends inside a member is an error.
  absl::StatusOr<size_t> Read(char* buffer, size_t size);
  // The whole file mapped read-only (empty for an empty file); the view lives as long as this object.
  // Standard input, other unmappable files and compressed files are an error.
  absl::StatusOr<std::string_view> Map();
  // The first bytes of the file, up to `size` (decompressed for a compressed file), without moving the
  // read position (for format sniffing).
  absl::StatusOr<std::string> Peek(size_t size);

 private:
  InputFile(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  absl::Status Error(std::string_view verb) const;
  // read(2) of the file's own bytes, retrying EINTR.
  absl::StatusOr<size_t> ReadRaw(char* buffer, size_t size);
  absl::StatusOr<size_t> ReadDecompressed(char* buffer, size_t size);
  // The file's own first bytes, up to `size`.
  absl::StatusOr<std::string> PeekRaw(size_t size);

  // Compressed bytes read at a time: a few zstd blocks or many deflate blocks.
  static constexpr size_t kCompressedChunkBytes = 64 * 1024;

  int fd_ = -1;
  std::string name_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  OutputCompression compression_ = OutputCompression::kNone;
  std::unique_ptr<StreamDecompressor> decompressor_;  // for a compressed file
  std::string compressed_;                            // read, not yet decompressed: [compressed_pos_, end)
  size_t compressed_pos_ = 0;
  bool compressed_eof_ = false;
};

}  // namespace urlsweep
