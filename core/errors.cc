// Names of the error words and the transient set (core/errors.h). Pure.
#include "core/errors.h"

#include <array>

namespace urlsweep {
namespace {

constexpr std::array<std::string_view, kErrorCodeCount> kErrorNames = {
#define URLSWEEP_ERROR_NAME(name, word) std::string_view(word),
    URLSWEEP_ERROR_CODES(URLSWEEP_ERROR_NAME)
#undef URLSWEEP_ERROR_NAME
};

}  // namespace

std::string_view ErrorName(ErrorCode code) {
  size_t i = static_cast<size_t>(code);
  return i < kErrorNames.size() ? kErrorNames[i] : std::string_view("invalid");
}

bool ErrorFromName(std::string_view word, ErrorCode* code) {
  if (word.empty()) return false;
  for (size_t i = 0; i < kErrorNames.size(); ++i) {
    if (kErrorNames[i] == word) {
      *code = static_cast<ErrorCode>(i);
      return true;
    }
  }
  return false;
}

bool IsTransient(ErrorCode code) {
  switch (code) {
    case ErrorCode::kDnsTimeout:
    case ErrorCode::kDnsServfail:
    case ErrorCode::kConnectTimeout:
    case ErrorCode::kConnectReset:
    case ErrorCode::kTlsTimeout:
    case ErrorCode::kReadReset:
    case ErrorCode::kEmptyResponse:
      return true;
    default:
      return false;
  }
}

}  // namespace urlsweep
