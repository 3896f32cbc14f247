#include "output/parquet/rle_bit_packed.h"

#include <bit>
#include <cstring>

#include "output/parquet/thrift_compact.h"

namespace urlsweep::parquet {

namespace {

// Bit-packed runs hold groups of 8 values (Encodings.md).
constexpr size_t kGroupValues = 8;
// A repeat shorter than one group is cheaper inside a bit-packed run than as its own RLE run (whose
// header and value cost at least two bytes and which would split the surrounding literals).
constexpr size_t kMinRleRun = kGroupValues;
// Groups per bit-packed run: 63 keeps the run header in one byte, as parquet-mr and Arrow write it.
constexpr size_t kMaxGroupsPerRun = 63;

// Length of the run of values equal to values[start], counting at most `limit`.
template <typename T>
size_t RunLength(absl::Span<const T> values, size_t start, size_t limit) {
  const T first = values[start];
  size_t end = start + 1;
  const size_t stop = values.size() - start > limit ? start + limit : values.size();
  if constexpr (sizeof(T) == 1) {
    // Definition levels come in long runs (a column present, or absent, for many rows in a row):
    // compare eight at a time.
    const uint64_t pattern = 0x0101010101010101ull * static_cast<uint8_t>(first);
    while (end + 8 <= stop) {
      uint64_t word;
      std::memcpy(&word, values.data() + end, 8);
      if (word != pattern) break;
      end += 8;
    }
  }
  while (end < stop && values[end] == first) ++end;
  return end - start;
}

// Packs values[begin, end) (padded with zeros to whole groups) at `bit_width`, least significant bit
// first.
template <typename T>
void BitPack(absl::Span<const T> values, size_t begin, size_t end, int bit_width, std::string* out) {
  const size_t n = values.size();
  if (bit_width == 1) {
    // Definition levels: a byte per group of eight.
    for (size_t k = begin; k < end; k += kGroupValues) {
      unsigned byte = 0;
      if constexpr (sizeof(T) == 1) {
        if (k + kGroupValues <= n) {
          // Eight 0/1 bytes at once: the multiplication moves byte i's low bit to bit 56 + i, and no
          // other partial product reaches bits 56..63 (the classic "pack eight booleans" constant).
          uint64_t word;
          std::memcpy(&word, values.data() + k, kGroupValues);
          out->push_back(static_cast<char>(((word & 0x0101010101010101ull) * 0x0102040810204080ull) >> 56));
          continue;
        }
      }
      for (size_t b = 0; b < kGroupValues && k + b < n; ++b) byte |= (static_cast<unsigned>(values[k + b]) & 1u) << b;
      out->push_back(static_cast<char>(byte));
    }
    return;
  }
  uint64_t bits = 0;
  int bit_count = 0;
  for (size_t k = begin; k < end; ++k) {
    const uint64_t value = k < n ? static_cast<uint64_t>(values[k]) : 0;
    bits |= value << bit_count;
    bit_count += bit_width;
    while (bit_count >= 8) {
      out->push_back(static_cast<char>(bits & 0xff));
      bits >>= 8;
      bit_count -= 8;
    }
  }
  // groups * 8 * bit_width is a whole number of bytes, so nothing is left in `bits`.
}

template <typename T>
void Encode(absl::Span<const T> values, int bit_width, std::string* out) {
  const size_t n = values.size();
  const int value_bytes = (bit_width + 7) / 8;
  size_t i = 0;
  while (i < n) {
    const size_t run = RunLength(values, i, n);
    if (run >= kMinRleRun) {
      ThriftCompactWriter::AppendVarint(static_cast<uint64_t>(run) << 1, out);
      const uint32_t value = values[i];
      for (int b = 0; b < value_bytes; ++b) out->push_back(static_cast<char>(value >> (8 * b)));
      i += run;
      continue;
    }
    // Literal groups until a long repeat starts at a group boundary. Only the file's last run may hold
    // padding values past n, which readers drop because they know the value count.
    size_t end = i;
    size_t groups = 0;
    do {
      end += kGroupValues;
      ++groups;
    } while (end < n && groups < kMaxGroupsPerRun && RunLength(values, end, kMinRleRun) < kMinRleRun);
    ThriftCompactWriter::AppendVarint((static_cast<uint64_t>(groups) << 1) | 1, out);
    BitPack(values, i, end, bit_width, out);
    i = end;
  }
}

}  // namespace

void AppendRleBitPacked(absl::Span<const uint8_t> values, int bit_width, std::string* out) {
  Encode(values, bit_width, out);
}

void AppendRleBitPacked(absl::Span<const uint32_t> values, int bit_width, std::string* out) {
  Encode(values, bit_width, out);
}

int DictionaryIndexBitWidth(uint32_t entries) {
  if (entries <= 2) return 1;
  return std::bit_width(entries - 1);
}

}  // namespace urlsweep::parquet
