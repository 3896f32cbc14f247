#include "output/parquet/utf8_sanitizer.h"

#include <cstdint>
#include <cstring>

namespace urlsweep::parquet {

namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr uint64_t kHighBits = 0x8080808080808080ull;

// Length of the well-formed sequence at bytes[i], or, when it is ill-formed, -(length of its maximal
// subpart), at least 1. Table 3-7 of the Unicode standard gives the allowed second-byte ranges.
int Sequence(const unsigned char* p, size_t left) {
  const unsigned char lead = p[0];
  if (lead < 0x80) return 1;
  int need;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
  } else if (lead == 0xE0) {
    need = 2, lo = 0xA0;
  } else if (lead == 0xED) {
    need = 2, hi = 0x9F;  // no UTF-16 surrogates
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    need = 2;
  } else if (lead == 0xF0) {
    need = 3, lo = 0x90;
  } else if (lead == 0xF4) {
    need = 3, hi = 0x8F;  // nothing past U+10FFFF
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    need = 3;
  } else {
    return -1;  // a continuation byte, an overlong lead (C0, C1) or F5..FF
  }
  for (int k = 1; k <= need; ++k) {
    if (static_cast<size_t>(k) >= left) return -k;
    const unsigned char c = p[k];
    const unsigned char min = k == 1 ? lo : 0x80;
    const unsigned char max = k == 1 ? hi : 0xBF;
    if (c < min || c > max) return -k;
  }
  return need + 1;
}

// Bytes from the start that are ASCII, checked eight at a time: most strings are entirely ASCII.
size_t AsciiPrefix(const unsigned char* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    if (word & kHighBits) break;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

}  // namespace

bool IsValidUtf8Multibyte(std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = AsciiPrefix(p, n);
  while (i < n) {
    const int len = Sequence(p + i, n - i);
    if (len < 0) return false;
    i += static_cast<size_t>(len);
    if (len == 1) i += AsciiPrefix(p + i, n - i);
  }
  return true;
}

void AppendSanitizedUtf8(std::string_view bytes, std::string* out) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  size_t good_start = 0;  // start of the pending run of well-formed bytes
  while (i < n) {
    const int len = Sequence(p + i, n - i);
    if (len > 0) {
      i += static_cast<size_t>(len);
      continue;
    }
    out->append(bytes.substr(good_start, i - good_start));
    out->append(kReplacement);
    i += static_cast<size_t>(-len);
    good_start = i;
  }
  out->append(bytes.substr(good_start));
}

}  // namespace urlsweep::parquet
