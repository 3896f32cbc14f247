// StreamDecompressor: a gzip (zlib) or zstd (libzstd) stream read back, for `urlsweep report` on the
// compressed CSV and JSON Lines results the scanner writes (output/compressing_sink.h). Those are a
// sequence of gzip members / zstd frames, one per flush, so every member after the first is read too.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/output_format.h"

struct z_stream_s;   // zlib.h
struct ZSTD_DCtx_s;  // zstd.h

namespace urlsweep {

class StreamDecompressor {
 public:
  // The compression whose magic number begins `head`: gzip's 1f 8b (RFC 1952 section 2.3.1), zstd's
  // 28 b5 2f fd (RFC 8878 section 3.1.1); kNone for anything else.
  static OutputCompression Sniff(std::string_view head);

  // `compression` is kGzip or kZstd. `name` is used in messages.
  StreamDecompressor(OutputCompression compression, std::string name);
  ~StreamDecompressor();
  StreamDecompressor(const StreamDecompressor&) = delete;
  StreamDecompressor& operator=(const StreamDecompressor&) = delete;

  // Decompresses from the front of *in, removing what it used, into `out` (up to `size` bytes); returns
  // the bytes produced, 0 when *in is used up without output. Damaged data: one line naming the file.
  absl::StatusOr<size_t> Decompress(std::string_view* in, char* out, size_t size);
  // What was decompressed so far ends a member/frame: the end of the input is a proper end here.
  bool at_boundary() const { return at_boundary_; }

 private:
  absl::StatusOr<size_t> Gunzip(std::string_view* in, char* out, size_t size);
  absl::StatusOr<size_t> Unzstd(std::string_view* in, char* out, size_t size);

  OutputCompression compression_;
  std::string name_;
  std::unique_ptr<z_stream_s> gzip_;
  ZSTD_DCtx_s* zstd_ = nullptr;
  bool at_boundary_ = true;
};

}  // namespace urlsweep
