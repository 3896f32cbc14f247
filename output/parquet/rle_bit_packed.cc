#include "output/parquet/rle_bit_packed.h"

#include <bit>
#include <cstring>

namespace urlsweep::parquet {

namespace {

// Bit-packed runs hold groups of 8 values (Encodings.md).
constexpr size_t kGroupValues = 8;
// A repeat shorter than one group is cheaper inside a bit-packed run than as its own RLE run (whose
// header and value cost at least two bytes and which would split the surrounding literals).
constexpr size_t kMinRleRun = kGroupValues;
// Groups per bit-packed run: 63 keeps the run header in one byte, as parquet-mr and Arrow write it.
constexpr size_t kMaxGroupsPerRun = 63;
// The longest ULEB128 varint of a run header (a run of up to 2^31 values, shifted left once).
constexpr size_t kMaxHeaderBytes = 5;
// Eight 0/1 bytes, each with its low bit set.
constexpr uint64_t kLowBits = 0x0101010101010101ull;

char* PutVarint(uint64_t value, char* out) {
  while (value >= 0x80) {
    *out++ = static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  *out++ = static_cast<char>(value);
  return out;
}

// Length of the run of values equal to values[start], counting at most `limit`.
template <typename T>
size_t RunLength(absl::Span<const T> values, size_t start, size_t limit) {
  const T first = values[start];
  size_t end = start + 1;
  const size_t stop = values.size() - start > limit ? start + limit : values.size();
  if constexpr (sizeof(T) == 1) {
    // Definition levels come in long runs (a column present, or absent, for many rows in a row):
    // compare eight at a time.
    const uint64_t pattern = kLowBits * static_cast<uint8_t>(first);
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

// Whether a run of at least kMinRleRun equal values starts at values[start].
template <typename T>
bool StartsRun(absl::Span<const T> values, size_t start) {
  if (values.size() - start < kMinRleRun) return false;
  const T* p = values.data() + start;
  if constexpr (sizeof(T) == 1) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    return word == kLowBits * static_cast<uint8_t>(p[0]);
  } else {
    // No early exit: eight comparisons folded into one branch (literal runs, the common case for
    // dictionary indices, fail it at once anyway).
    return ((p[1] ^ p[0]) | (p[2] ^ p[0]) | (p[3] ^ p[0]) | (p[4] ^ p[0]) | (p[5] ^ p[0]) | (p[6] ^ p[0]) |
            (p[7] ^ p[0])) == 0;
  }
}

// Packs values[begin, end) (padded with zeros to whole groups) at `bit_width`, least significant bit
// first; returns the end of what it wrote.
template <typename T>
char* BitPack(absl::Span<const T> values, size_t begin, size_t end, int bit_width, char* out) {
  const size_t n = values.size();
  if (bit_width == 1) {
    // Definition levels: a byte per group of eight.
    for (size_t k = begin; k < end; k += kGroupValues) {
      if constexpr (sizeof(T) == 1) {
        if (k + kGroupValues <= n) {
          // Eight 0/1 bytes at once: the multiplication moves byte i's low bit to bit 56 + i, and no
          // other partial product reaches bits 56..63 (the classic "pack eight booleans" constant).
          uint64_t word;
          std::memcpy(&word, values.data() + k, kGroupValues);
          *out++ = static_cast<char>(((word & kLowBits) * 0x0102040810204080ull) >> 56);
          continue;
        }
      }
      unsigned byte = 0;
      for (size_t b = 0; b < kGroupValues && k + b < n; ++b) byte |= (static_cast<unsigned>(values[k + b]) & 1u) << b;
      *out++ = static_cast<char>(byte);
    }
    return out;
  }
  // Values go into a 64-bit accumulator and leave it 32 bits at a time; bit_width <= 32 keeps what is
  // pending under 64 bits.
  uint64_t bits = 0;
  int bit_count = 0;
  const size_t full = end < n ? end : n;
  for (size_t k = begin; k < full; ++k) {
    bits |= static_cast<uint64_t>(values[k]) << bit_count;
    bit_count += bit_width;
    if (bit_count >= 32) {
      const uint32_t low = static_cast<uint32_t>(bits);
      std::memcpy(out, &low, sizeof(low));
      out += sizeof(low);
      bits >>= 32;
      bit_count -= 32;
    }
  }
  // Padding values are zeros: they only move the bit count on. groups * 8 * bit_width is a whole
  // number of bytes, so the last bits fill whole bytes.
  bit_count += static_cast<int>(end - full) * bit_width;
  while (bit_count > 0) {
    *out++ = static_cast<char>(bits & 0xff);
    bits >>= 8;
    bit_count -= 8;
  }
  return out;
}

template <typename T>
char* Encode(absl::Span<const T> values, int bit_width, char* out) {
  const size_t n = values.size();
  const int value_bytes = (bit_width + 7) / 8;
  size_t i = 0;
  while (i < n) {
    const size_t run = RunLength(values, i, n);
    if (run >= kMinRleRun) {
      out = PutVarint(static_cast<uint64_t>(run) << 1, out);
      const uint32_t value = values[i];
      for (int b = 0; b < value_bytes; ++b) *out++ = static_cast<char>(value >> (8 * b));
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
    } while (end < n && groups < kMaxGroupsPerRun && !StartsRun(values, end));
    *out++ = static_cast<char>((groups << 1) | 1);
    out = BitPack(values, i, end, bit_width, out);
    i = end;
  }
  return out;
}

template <typename T, typename Buffer>
void AppendTo(absl::Span<const T> values, int bit_width, Buffer* out) {
  const size_t old = out->size();
  const size_t bound = MaxRleBitPackedBytes(values.size(), bit_width);
  char* start;
  if constexpr (std::is_same_v<Buffer, ByteBuffer>) {
    start = out->Extend(bound);
  } else {
    out->resize(old + bound);
    start = out->data() + old;
  }
  const char* end = Encode(values, bit_width, start);
  if constexpr (std::is_same_v<Buffer, ByteBuffer>) {
    out->Truncate(old + static_cast<size_t>(end - start));
  } else {
    out->resize(old + static_cast<size_t>(end - start));
  }
}

}  // namespace

size_t MaxRleBitPackedBytes(size_t count, int bit_width) {
  // Every run but a last, padded bit-packed group covers at least 8 values, in at most a header and
  // either the RLE value (4 bytes) or bit_width bytes per group.
  const size_t per_run = kMaxHeaderBytes + 4 + static_cast<size_t>(bit_width);
  return (count / kGroupValues + 1) * per_run;
}

void AppendRleBitPacked(absl::Span<const uint8_t> values, int bit_width, std::string* out) {
  AppendTo(values, bit_width, out);
}

void AppendRleBitPacked(absl::Span<const uint32_t> values, int bit_width, std::string* out) {
  AppendTo(values, bit_width, out);
}

void AppendRleBitPacked(absl::Span<const uint8_t> values, int bit_width, ByteBuffer* out) {
  AppendTo(values, bit_width, out);
}

void AppendRleBitPacked(absl::Span<const uint32_t> values, int bit_width, ByteBuffer* out) {
  AppendTo(values, bit_width, out);
}

int DictionaryIndexBitWidth(uint32_t entries) {
  if (entries <= 2) return 1;
  return std::bit_width(entries - 1);
}

}  // namespace urlsweep::parquet
