#include "output/parquet/page_compressor.h"

#include <snappy.h>
#include <zstd.h>

#include <cstdlib>

namespace urlsweep::parquet {

namespace {
// zstd level 1: the fastest standard level. Higher levels shrink scan output by a few percent while
// halving throughput, and the writer must keep up with millions of rows per second on one core.
constexpr int kZstdLevel = 1;
}  // namespace

struct PageCompressor::ZstdContext {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ~ZstdContext() { ZSTD_freeCCtx(cctx); }
};

PageCompressor::PageCompressor(ParquetCompression compression) {
  switch (compression) {
    case ParquetCompression::kZstd:
      codec_ = CompressionCodec::kZstd;
      zstd_ = std::make_unique<ZstdContext>();
      break;
    case ParquetCompression::kSnappy:
      codec_ = CompressionCodec::kSnappy;
      break;
    case ParquetCompression::kNone:
      codec_ = CompressionCodec::kUncompressed;
      break;
  }
}

PageCompressor::~PageCompressor() = default;

void PageCompressor::Compress(std::string_view body, std::string* out) {
  switch (codec_) {
    case CompressionCodec::kUncompressed:
      out->assign(body);
      return;
    case CompressionCodec::kSnappy: {
      out->resize(snappy::MaxCompressedLength(body.size()));
      size_t length = 0;
      snappy::RawCompress(body.data(), body.size(), out->data(), &length);
      out->resize(length);
      return;
    }
    case CompressionCodec::kZstd: {
      out->resize(ZSTD_compressBound(body.size()));
      const size_t length = ZSTD_compressCCtx(zstd_->cctx, out->data(), out->size(), body.data(),
                                              body.size(), kZstdLevel);
      // With a ZSTD_compressBound-sized destination the only failure left is running out of memory,
      // which the rest of the program does not survive either.
      if (ZSTD_isError(length)) std::abort();
      out->resize(length);
      return;
    }
  }
}

}  // namespace urlsweep::parquet
