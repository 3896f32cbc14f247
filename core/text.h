// Small text helpers every layer shares: the bridge to Debian's Abseil string_view, ASCII
// case-insensitive comparison, hex digits and percent-decoding. Pure: no allocation beyond the output
// string a caller passes.
#pragma once

#include <string>
#include <string_view>

#include "absl/strings/string_view.h"

namespace urlsweep {

// Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW 0: absl::string_view is its own type
// there and converts neither from nor to std::string_view, so views cross between the two (absl::StrCat,
// absl::Status messages, Abseil containers) through these.
inline absl::string_view ToAbsl(std::string_view v) { return absl::string_view(v.data(), v.size()); }
inline std::string_view FromAbsl(absl::string_view v) { return std::string_view(v.data(), v.size()); }

// True when `a` and `b` are equal ignoring ASCII case (RFC 9110 section 5.1 for field names, RFC 3986
// section 3.1 for schemes, RFC 4343 for DNS names). Bytes above 0x7f compare exactly.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The value of one hex digit (0-9, a-f, A-F), or -1 for any other byte.
int HexDigitValue(char c);

// How AppendPercentDecoded treats a '%' that is not followed by two hex digits.
enum class PercentEscapes {
  kStrict,        // an error: the text is not validly encoded
  kKeepMalformed  // kept as it stands, as browsers do with userinfo they only pass on
};

// Appends `in` with every "%XY" (RFC 3986 section 2.1) replaced by the byte 0xXY. Returns false, with
// `out` holding what was decoded so far, only under kStrict when a '%' lacks its two hex digits.
bool AppendPercentDecoded(std::string_view in, PercentEscapes escapes, std::string* out);

}  // namespace urlsweep
