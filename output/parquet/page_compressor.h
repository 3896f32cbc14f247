// PageCompressor: compresses one Parquet page body with the file's codec (Compression.md: ZSTD frames,
// raw Snappy blocks, or none). It keeps its zstd contexts and output buffer, so pages allocate nothing
// once the first row group is written. AppendRawZstdFrame stores a body zstd cannot shrink as a valid
// zstd frame for the cost of a copy.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "output/parquet/byte_buffer.h"
#include "output/parquet/parquet_metadata.h"
#include "core/options.h"

namespace urlsweep::parquet {

// What a page holds, so that zstd spends its time where it pays off.
enum class PageContent {
  kGeneral,  // strings, levels, dictionary indices, integers: repetitive, worth entropy coding
  // Measured timings (the DOUBLE columns): their low mantissa bits are noise, so entropy coding
  // shrinks them by about 5% at several times the cost of a fast match search alone.
  kNoisyNumbers,
};

class PageCompressor {
 public:
  explicit PageCompressor(ParquetCompression compression);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  CompressionCodec codec() const { return codec_; }
  // The compressed form of `body` (`body` itself for kUncompressed), valid until the next call.
  std::string_view Compress(std::string_view body, PageContent content = PageContent::kGeneral);

 private:
  struct ZstdContexts;
  CompressionCodec codec_;
  std::unique_ptr<ZstdContexts> zstd_;
  ByteBuffer out_;
};

// The size of the frame AppendRawZstdFrame writes for `content_size` bytes.
size_t RawZstdFrameSize(size_t content_size);
// Appends a zstd frame (RFC 8878) whose content is `head` then `tail`, stored in raw blocks: what zstd
// itself writes for bytes it cannot compress, without its search for matches. The frame header
// carries the content size, so any zstd decoder sizes its output from it.
void AppendRawZstdFrame(std::string_view head, std::string_view tail, std::string* out);

}  // namespace urlsweep::parquet
