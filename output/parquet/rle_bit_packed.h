// The RLE / bit-packing hybrid of Parquet's Encodings.md, used for definition levels (bit width 1) and
// dictionary indices. Pure: appends to a caller's string. Neither the 4-byte length prefix of v1 data
// page levels nor the bit-width byte of dictionary indices is written here; the page code frames them.
#pragma once

#include <cstdint>
#include <string>

#include "absl/types/span.h"

namespace urlsweep::parquet {

// Appends `values` (each < 2^bit_width, 1 <= bit_width <= 32) encoded as RLE and bit-packed runs.
void AppendRleBitPacked(absl::Span<const uint8_t> values, int bit_width, std::string* out);
void AppendRleBitPacked(absl::Span<const uint32_t> values, int bit_width, std::string* out);

// The bit width a dictionary of `entries` entries needs for its indices (at least 1: some readers
// reject a width of 0).
int DictionaryIndexBitWidth(uint32_t entries);

}  // namespace urlsweep::parquet
