// The RLE / bit-packing hybrid of Parquet's Encodings.md, used for definition levels (bit width 1) and
// dictionary indices. Pure: appends to a caller's buffer. Neither the 4-byte length prefix of v1 data
// page levels nor the bit-width byte of dictionary indices is written here; the page code frames them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/types/span.h"
#include "output/parquet/byte_buffer.h"

namespace urlsweep::parquet {

// Appends `values` (each < 2^bit_width, 1 <= bit_width <= 32) encoded as RLE and bit-packed runs.
void AppendRleBitPacked(absl::Span<const uint8_t> values, int bit_width, std::string* out);
void AppendRleBitPacked(absl::Span<const uint32_t> values, int bit_width, std::string* out);
// The same into a ByteBuffer, which makes room without zero-filling it (the pages' hot path).
void AppendRleBitPacked(absl::Span<const uint8_t> values, int bit_width, ByteBuffer* out);
void AppendRleBitPacked(absl::Span<const uint32_t> values, int bit_width, ByteBuffer* out);

// The most bytes the encoding of `count` values at `bit_width` takes (the room the calls above make).
size_t MaxRleBitPackedBytes(size_t count, int bit_width);

// The bit width a dictionary of `entries` entries needs for its indices (at least 1: some readers
// reject a width of 0).
int DictionaryIndexBitWidth(uint32_t entries);

}  // namespace urlsweep::parquet
