// PageCompressor: compresses one Parquet page body with the file's codec (Compression.md: ZSTD frames,
// raw Snappy blocks, or none). It keeps one zstd context so pages do not allocate one each.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "output/parquet/parquet_metadata.h"
#include "scanner/config.h"

namespace urlsweep::parquet {

class PageCompressor {
 public:
  explicit PageCompressor(ParquetCompression compression);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  CompressionCodec codec() const { return codec_; }
  // Replaces *out with the compressed form of `body` (a copy of it for kUncompressed).
  void Compress(std::string_view body, std::string* out);

 private:
  struct ZstdContext;
  CompressionCodec codec_;
  std::unique_ptr<ZstdContext> zstd_;
};

}  // namespace urlsweep::parquet
