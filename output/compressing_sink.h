// CompressingSink: what stands between a text writer (CSV, JSON Lines) and its OutputFile when the output
// is compressed (--compress, or an --output name ending in .gz or .zst). The one place output/ compresses a
// stream: zlib for gzip (RFC 1952), libzstd for zstd (RFC 8878).
//
// Every Flush ends the current gzip member or zstd frame, so the file's bytes up to OutputFile::offset()
// are then a complete compressed stream on their own: a file cut back to any checkpoint (--resume after
// kill -9) is a valid .gz/.zst, and a resumed run continues it by appending members/frames. Concatenated
// gzip members are one valid gzip file (RFC 1952 section 2.2) and concatenated zstd frames one valid zstd
// stream (RFC 8878 section 3.1); gzip, zcat, zstd, Python and DuckDB read them whole.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "core/output_format.h"
#include "output/output_file.h"

struct z_stream_s;    // zlib.h
struct ZSTD_CCtx_s;   // zstd.h

namespace urlsweep {

class CompressingSink {
 public:
  // `compression` is kGzip or kZstd; `file` must outlive the sink.
  CompressingSink(OutputCompression compression, OutputFile* file);
  ~CompressingSink();
  CompressingSink(const CompressingSink&) = delete;
  CompressingSink& operator=(const CompressingSink&) = delete;

  // Compresses `bytes` into the current member/frame (the first Append after a Flush begins a new one)
  // and hands the compressed bytes to the file as they come.
  absl::Status Append(std::string_view bytes);
  // Ends the current member/frame, if anything went into it, and flushes the file: its content then
  // ends at a member/frame boundary. No empty member is written when nothing was appended since.
  absl::Status Flush();
  // Ends the stream as Flush does and closes the file (fsync, see OutputFile::Close). A stream that
  // never received a byte gets one empty member/frame, so that even an empty output is a valid .gz/.zst.
  absl::Status Close();

 private:
  // Each compressed piece handed to the OutputFile: large enough that a member of a busy second is a few
  // Appends, small enough to stay in cache.
  static constexpr size_t kChunkBytes = 64 * 1024;
  // zlib's default level: most of level 9's ratio at several times its speed, faster than a scan makes
  // rows.
  static constexpr int kGzipLevel = 6;
  // libzstd's default level (ZSTD_CLEVEL_DEFAULT): better ratio than gzip -6, several times as fast.
  static constexpr int kZstdLevel = 3;

  // Feeds `bytes` to the codec; with `end`, ends the member/frame. Hands the output to the file.
  absl::Status Compress(std::string_view bytes, bool end);
  absl::Status CompressGzip(std::string_view bytes, bool end);
  absl::Status CompressZstd(std::string_view bytes, bool end);
  // Marks bytes going into a member; the first one also notes where the stream starts.
  void BeginMember();
  absl::Status EndMember();
  // Records the first failure. A regular file is cut back to the last member boundary, so a failed
  // output still ends with a whole member; later calls return the same failure.
  absl::Status Fail(absl::Status status);

  OutputCompression compression_;
  OutputFile* file_;
  std::unique_ptr<z_stream_s> gzip_;  // for kGzip
  ZSTD_CCtx_s* zstd_ = nullptr;       // for kZstd
  std::string chunk_;                 // compressed bytes on their way to the file; reused
  bool in_member_ = false;            // bytes went into a member that is not ended yet
  int64_t boundary_ = -1;             // file offset where the last member ended (or the stream began)
  int64_t flushed_boundary_ = -1;     // the last boundary the file was flushed at
  absl::Status failure_;
};

}  // namespace urlsweep
