// StringDictionary: the distinct values of one string column chunk, kept directly in their PLAIN
// encoding (4-byte little-endian length, then the bytes), which is the dictionary page's body. An
// open-addressing table of (hash tag, entry id) slots indexes that buffer: a lookup hashes the value
// once, and compares bytes only with entries whose tag matches, so adding an entry costs no allocation
// of its own and looking one up touches one or two cache lines.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace urlsweep::parquet {

class StringDictionary {
 public:
  StringDictionary();

  // The index of `value`, added as a new entry when absent (then *added is set).
  uint32_t Insert(std::string_view value, bool* added);
  uint32_t size() const { return static_cast<uint32_t>(starts_.size()); }
  std::string_view entry(uint32_t index) const {
    return std::string_view(plain_.data() + starts_[index], lengths_[index]);
  }
  // The dictionary page body.
  std::string_view plain() const { return plain_; }
  void Clear();

  // The table's hash of a value, exposed for tests of its spread.
  static uint64_t Hash(std::string_view value);

  // Byte equality without a call to memcmp for the short values dictionaries mostly hold: this runs
  // for nearly every value of a dictionary column (the repeat check, then the table's candidates).
  static bool Equal(std::string_view a, std::string_view b) {
    const size_t n = a.size();
    if (n != b.size()) return false;
    if (n > kInlineCompareBytes) return std::memcmp(a.data(), b.data(), n) == 0;
    if (n > 16) {
      const char* x = a.data();
      const char* y = b.data();
      return ((Load64(x) ^ Load64(y)) | (Load64(x + 8) ^ Load64(y + 8)) | (Load64(x + n - 16) ^ Load64(y + n - 16)) |
              (Load64(x + n - 8) ^ Load64(y + n - 8))) == 0;
    }
    if (n >= 8) return Load64(a.data()) == Load64(b.data()) && Load64(a.data() + n - 8) == Load64(b.data() + n - 8);
    if (n >= 4) return Load32(a.data()) == Load32(b.data()) && Load32(a.data() + n - 4) == Load32(b.data() + n - 4);
    for (size_t i = 0; i < n; ++i) {
      if (a[i] != b[i]) return false;
    }
    return true;
  }

 private:
  // Longer values are compared by memcmp; up to this, by overlapping 8-byte words (content types
  // and error details run past 16 bytes).
  static constexpr size_t kInlineCompareBytes = 32;

  static uint64_t Load64(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }
  static uint32_t Load32(const char* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof(v));
    return v;
  }

  // Doubles the table and places every entry again.
  void Grow();

  std::string plain_;
  std::vector<uint32_t> starts_;   // offset of each entry's bytes in plain_
  std::vector<uint32_t> lengths_;  // byte length of each entry
  // Each slot: 0 when empty, else the hash's high 32 bits (the tag) above (entry id + 1).
  std::vector<uint64_t> slots_;
  uint64_t mask_ = 0;  // slots_.size() - 1
};

}  // namespace urlsweep::parquet
