#include "core/text.h"

#include "absl/strings/match.h"

namespace urlsweep {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(ToAbsl(a), ToAbsl(b));
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool AppendPercentDecoded(std::string_view in, PercentEscapes escapes, std::string* out) {
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      const bool two_follow = in.size() - i > 2;
      const int high = two_follow ? HexDigitValue(in[i + 1]) : -1;
      const int low = two_follow ? HexDigitValue(in[i + 2]) : -1;
      if (high >= 0 && low >= 0) {
        out->push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
      if (escapes == PercentEscapes::kStrict) return false;
    }
    out->push_back(in[i]);
  }
  return true;
}

}  // namespace urlsweep
