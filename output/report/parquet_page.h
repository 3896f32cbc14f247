// The pieces of one Parquet page (parquet-format: parquet.thrift PageHeader, Encodings.md,
// Compression.md): its header, its decompression, the RLE / bit-packing hybrid of its levels and
// dictionary indices, and its PLAIN values. ParquetReader strings them together per column chunk. Pure;
// each function checks every length against the bytes it is given and returns false on malformed input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "output/report/thrift_decoder.h"

namespace urlsweep {

// parquet.thrift PageHeader with the fields of its DataPageHeader or DictionaryPageHeader that the
// reader needs; -1 where the header leaves one out.
struct ParquetPageHeader {
  int32_t type = -1;
  int32_t uncompressed_size = -1;
  int32_t compressed_size = -1;
  int32_t num_values = -1;
  int32_t encoding = -1;
  int32_t definition_level_encoding = -1;
};

// Decodes the page header at the start of the decoder's bytes; d.position() is then where the page's
// body starts. On false, d.error() says why (empty: malformed).
bool ReadParquetPageHeader(ThriftDecoder& d, ParquetPageHeader* h);

// Decompresses `in` with `codec` (UNCOMPRESSED, SNAPPY raw, ZSTD) into *out, which must come to exactly
// `size` bytes. False for another codec, corrupt input or another size.
bool DecompressParquetPage(int32_t codec, std::string_view in, size_t size, std::string* out);

// Decodes `count` values of the RLE / bit-packing hybrid (Encodings.md) at `bit_width` into *out.
// Values past `count` in the last bit-packed group are ignored, as the format allows.
bool DecodeRleBitPackedHybrid(std::string_view data, int bit_width, size_t count, std::vector<uint32_t>* out);

// Splits `count` PLAIN values of physical `type` (Encodings.md: little-endian fixed width, byte arrays
// with a 4-byte length) into views of their bytes, appended to *out.
bool SplitPlainValues(int32_t type, std::string_view data, size_t count, std::vector<std::string_view>* out);

// A little-endian uint32 (lengths in the file's framing and pages).
inline uint32_t LoadLe32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // x86-64 and AArch64 Linux are little-endian, as Parquet is
}

}  // namespace urlsweep
