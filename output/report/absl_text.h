// Conversions between std::string_view (Row, the writers) and absl::string_view (absl::StrCat,
// absl::Status messages). Debian's Abseil is built with ABSL_OPTION_USE_STD_STRING_VIEW 0, so the two
// are distinct types there and neither converts to the other implicitly.
#pragma once

#include <string_view>

#include "absl/strings/string_view.h"

namespace urlsweep {

inline absl::string_view ToAbsl(std::string_view v) { return absl::string_view(v.data(), v.size()); }
inline std::string_view FromAbsl(absl::string_view v) { return std::string_view(v.data(), v.size()); }

}  // namespace urlsweep
