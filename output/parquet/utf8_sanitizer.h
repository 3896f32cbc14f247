// UTF-8 validation and repair for Parquet STRING values. Rows carry bytes from hostile servers (titles,
// Server headers, reason phrases), and Parquet readers such as DuckDB reject a STRING column holding
// invalid UTF-8, so every string is checked and, when needed, repaired. Pure.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace urlsweep::parquet {

// Whether every byte is ASCII. Inline, word at a time: most values (URLs, headers) are ASCII and this
// check runs for every string of every row.
inline bool IsAscii(std::string_view bytes) {
  constexpr uint64_t kHighBits = 0x8080808080808080ull;
  const char* p = bytes.data();
  const size_t n = bytes.size();
  uint64_t any = 0;
  uint64_t word;
  if (n >= 8) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      std::memcpy(&word, p + i, 8);
      any |= word;
    }
    std::memcpy(&word, p + n - 8, 8);  // the tail, overlapping bytes already seen
    return ((any | word) & kHighBits) == 0;
  }
  if (n >= 4) {
    // Two overlapping 4-byte words: short values ("OK", "1.1", "TLSv1.3") without a byte loop.
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    return ((head | tail) & 0x80808080u) == 0;
  }
  for (size_t i = 0; i < n; ++i) any |= static_cast<unsigned char>(p[i]);
  return (any & 0x80) == 0;
}

// The full check for strings that are not all ASCII.
bool IsValidUtf8Multibyte(std::string_view bytes);

// Whether `bytes` is well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF).
inline bool IsValidUtf8(std::string_view bytes) { return IsAscii(bytes) || IsValidUtf8Multibyte(bytes); }

// Appends `bytes` to *out with each maximal ill-formed subsequence replaced by U+FFFD, the Unicode
// standard's "substitution of maximal subparts" (chapter 3, U+FFFD substitution), which is also what the
// WHATWG decoder (TextDecoder) and Python's errors="replace" produce.
void AppendSanitizedUtf8(std::string_view bytes, std::string* out);

}  // namespace urlsweep::parquet
