#include "output/parquet/page_compressor.h"

#include <snappy.h>
#include <zstd.h>

#include <cstdlib>

namespace urlsweep::parquet {

namespace {
// zstd level 1: the fastest standard level with entropy coding. Higher levels shrink scan output by a
// few percent while halving throughput, and the writer must keep up with millions of rows per second
// on one core.
constexpr int kZstdLevel = 1;
// Level 1 sizes its match-finding hash table for the 1 MiB page, larger than the L1 data cache;
// 2^12 entries (16 KiB) stay in it and compress the string and integer pages about 7% faster, for
// files about 4% larger (measured on bench/parquet_bench.cc rows; still 30.5% of the CSV).
constexpr int kZstdHashLog = 12;
// A negative ("fast") level for kNoisyNumbers: matches only, literals stored as they are.
constexpr int kZstdNoisyLevel = -3;

ZSTD_CCtx* NewContext(int level, int hash_log) {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  if (cctx == nullptr) std::abort();  // out of memory, which the rest of the program does not survive
  // Parameters are set once: every page reuses them, and the context keeps its tables between pages.
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  if (hash_log != 0) ZSTD_CCtx_setParameter(cctx, ZSTD_c_hashLog, hash_log);
  return cctx;
}
}  // namespace

struct PageCompressor::ZstdContexts {
  ZSTD_CCtx* general = NewContext(kZstdLevel, kZstdHashLog);
  ZSTD_CCtx* noisy = NewContext(kZstdNoisyLevel, 0);
  ~ZstdContexts() {
    ZSTD_freeCCtx(general);
    ZSTD_freeCCtx(noisy);
  }
};

PageCompressor::PageCompressor(ParquetCompression compression) {
  switch (compression) {
    case ParquetCompression::kZstd:
      codec_ = CompressionCodec::kZstd;
      zstd_ = std::make_unique<ZstdContexts>();
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

std::string_view PageCompressor::Compress(std::string_view body, PageContent content) {
  switch (codec_) {
    case CompressionCodec::kUncompressed:
      return body;
    case CompressionCodec::kSnappy: {
      out_.clear();
      char* out = out_.Extend(snappy::MaxCompressedLength(body.size()));
      size_t length = 0;
      snappy::RawCompress(body.data(), body.size(), out, &length);
      out_.Truncate(length);
      return out_.view();
    }
    case CompressionCodec::kZstd: {
      out_.clear();
      const size_t bound = ZSTD_compressBound(body.size());
      char* out = out_.Extend(bound);
      ZSTD_CCtx* cctx = content == PageContent::kNoisyNumbers ? zstd_->noisy : zstd_->general;
      const size_t length = ZSTD_compress2(cctx, out, bound, body.data(), body.size());
      // With a ZSTD_compressBound-sized destination the only failure left is running out of memory,
      // which the rest of the program does not survive either.
      if (ZSTD_isError(length)) std::abort();
      out_.Truncate(length);
      return out_.view();
    }
  }
  return body;
}

}  // namespace urlsweep::parquet
