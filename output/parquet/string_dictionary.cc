#include "output/parquet/string_dictionary.h"

#include <algorithm>
#include <cstring>

namespace urlsweep::parquet {

namespace {
// A PLAIN byte array starts with its length as a 4-byte little-endian integer.
constexpr size_t kLengthPrefixBytes = 4;
// Slots of a new or cleared table: a power of two, enough for the few distinct values most columns
// hold (status words, servers, content types) without growing, small enough to clear cheaply per row
// group.
constexpr size_t kInitialSlots = 256;
// The table grows when entries would fill more than half of its slots, so that probe sequences stay
// short (linear probing degrades quickly past that load).
constexpr size_t kMaxLoadDivisor = 2;

// Odd 64-bit constants for multiplicative mixing (the fractional part of the golden ratio and two
// other large odd numbers with well-spread bits).
constexpr uint64_t kMulA = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMulB = 0xC2B2AE3D27D4EB4Full;
constexpr uint64_t kMulC = 0x165667B19E3779F9ull;

// Folds a 128-bit product: every input bit reaches many output bits.
uint64_t Mix(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}
}  // namespace

uint64_t StringDictionary::Hash(std::string_view value) {
  const char* p = value.data();
  size_t n = value.size();
  uint64_t h = kMulC ^ (n * kMulA);
  // Most dictionary values (status words, servers, content types, titles) are under 32 bytes: a few
  // whole-word loads cover them.
  while (n > 16) {
    h = Mix(h ^ Load64(p), kMulA ^ Load64(p + 8));
    p += 16;
    n -= 16;
  }
  uint64_t a = 0;
  uint64_t b = 0;
  if (n >= 8) {
    a = Load64(p);
    b = Load64(p + n - 8);  // overlaps `a` when n < 16
  } else if (n >= 4) {
    uint32_t lo;
    uint32_t hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    a = lo;
    b = hi;
  } else if (n > 0) {
    a = (static_cast<uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) | static_cast<unsigned char>(p[n - 1]);
  }
  return Mix(h ^ a, kMulB ^ b);
}

StringDictionary::StringDictionary() : slots_(kInitialSlots, 0), mask_(kInitialSlots - 1) {}

uint32_t StringDictionary::Insert(std::string_view value, bool* added) {
  const uint64_t hash = Hash(value);
  const uint64_t tag = hash & 0xFFFFFFFF00000000ull;
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const uint64_t slot = slots_[i];
    if (slot == 0) break;
    if ((slot & 0xFFFFFFFF00000000ull) == tag) {
      const uint32_t index = static_cast<uint32_t>(slot) - 1;
      if (Equal(entry(index), value)) {
        *added = false;
        return index;
      }
    }
  }
  const uint32_t index = size();
  const uint32_t length = static_cast<uint32_t>(value.size());
  char prefix[kLengthPrefixBytes];
  for (size_t k = 0; k < kLengthPrefixBytes; ++k) prefix[k] = static_cast<char>(length >> (8 * k));
  plain_.append(prefix, kLengthPrefixBytes);
  starts_.push_back(static_cast<uint32_t>(plain_.size()));
  lengths_.push_back(length);
  plain_.append(value);
  *added = true;
  if ((static_cast<size_t>(index) + 1) * kMaxLoadDivisor > slots_.size()) {
    Grow();  // places the new entry too
  } else {
    uint64_t i = hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = tag | (static_cast<uint64_t>(index) + 1);
  }
  return index;
}

void StringDictionary::Grow() {
  slots_.assign(slots_.size() * 2, 0);
  mask_ = slots_.size() - 1;
  for (uint32_t index = 0; index < size(); ++index) {
    const uint64_t hash = Hash(entry(index));
    uint64_t i = hash & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = (hash & 0xFFFFFFFF00000000ull) | (static_cast<uint64_t>(index) + 1);
  }
}

void StringDictionary::Clear() {
  plain_.clear();
  starts_.clear();
  lengths_.clear();
  // A table grown by a large dictionary shrinks back: clearing it would otherwise cost its whole size
  // in every later row group.
  if (slots_.size() != kInitialSlots) {
    slots_.assign(kInitialSlots, 0);
    mask_ = kInitialSlots - 1;
  } else {
    std::fill(slots_.begin(), slots_.end(), 0);
  }
}

}  // namespace urlsweep::parquet
