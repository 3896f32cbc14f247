#include "output/parquet/page_compressor.h"

#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
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

// RFC 8878, "Frames": the magic number, little-endian.
constexpr uint32_t kZstdMagic = 0xFD2FB528;
// Frame_Header_Descriptor bits: Single_Segment_flag (the window is the whole content, so no
// Window_Descriptor) and Frame_Content_Size_flag in the top two bits, for a 1, 2, 4 or 8-byte size.
constexpr uint8_t kSingleSegment = 0x20;
constexpr int kContentSizeFlagShift = 6;
// The 2-byte Frame_Content_Size field stores the size minus 256.
constexpr size_t kTwoByteSizeOffset = 256;
// A block header is 3 bytes; a raw block holds at most Block_Maximum_Size = 128 KiB (with a single
// segment, min(content size, 128 KiB), which a block of the content never exceeds).
constexpr size_t kBlockHeaderBytes = 3;
constexpr size_t kMaxBlockBytes = size_t{128} << 10;
constexpr size_t kMagicBytes = 4;

// Bytes of the Frame_Content_Size field for `size`, the smallest that holds it.
size_t ContentSizeBytes(size_t size) {
  if (size < 256) return 1;
  if (size - kTwoByteSizeOffset <= 0xFFFF) return 2;
  if (size <= 0xFFFFFFFFu) return 4;
  return 8;
}

void AppendLittleEndian(uint64_t value, size_t bytes, std::string* out) {
  for (size_t i = 0; i < bytes; ++i) out->push_back(static_cast<char>(value >> (8 * i)));
}

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

size_t RawZstdFrameSize(size_t content_size) {
  const size_t blocks = std::max<size_t>(1, (content_size + kMaxBlockBytes - 1) / kMaxBlockBytes);
  return kMagicBytes + 1 + ContentSizeBytes(content_size) + blocks * kBlockHeaderBytes + content_size;
}

void AppendRawZstdFrame(std::string_view head, std::string_view tail, std::string* out) {
  const size_t size = head.size() + tail.size();
  out->reserve(out->size() + RawZstdFrameSize(size));
  AppendLittleEndian(kZstdMagic, kMagicBytes, out);
  const size_t size_bytes = ContentSizeBytes(size);
  const uint8_t size_flag = size_bytes == 1 ? 0 : size_bytes == 2 ? 1 : size_bytes == 4 ? 2 : 3;
  out->push_back(static_cast<char>(kSingleSegment | (size_flag << kContentSizeFlagShift)));
  AppendLittleEndian(size_bytes == 2 ? size - kTwoByteSizeOffset : size, size_bytes, out);
  // Block header: Last_Block in bit 0, Block_Type in bits 1-2 (0 = Raw_Block), Block_Size above.
  auto block_header = [out](size_t block_size, bool last) {
    AppendLittleEndian((static_cast<uint64_t>(block_size) << 3) | (last ? 1 : 0), kBlockHeaderBytes, out);
  };
  if (size == 0) {
    block_header(0, true);  // a frame holds at least one block
    return;
  }
  // Blocks of the most bytes allowed, a block taking the end of `head` and the start of `tail` alike.
  size_t left = size;
  while (left > 0) {
    size_t n = std::min(left, kMaxBlockBytes);
    left -= n;
    block_header(n, left == 0);
    const size_t from_head = std::min(n, head.size());
    out->append(head.data(), from_head);
    head.remove_prefix(from_head);
    n -= from_head;
    out->append(tail.data(), n);
    tail.remove_prefix(n);
  }
}

}  // namespace urlsweep::parquet
