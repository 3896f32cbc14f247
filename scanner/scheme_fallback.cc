#include "scanner/scheme_fallback.h"

#include <string>

namespace urlsweep {
namespace {

constexpr std::string_view kSeparator = "://";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 1 for http, 2 for https, 0 for anything else.
int SchemeOf(std::string_view name) {
  name = Trim(name);
  if (name.size() != 4 && name.size() != 5) return 0;
  std::string lower;
  for (char c : name) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  if (lower == "http") return 1;
  if (lower == "https") return 2;
  return 0;
}

}  // namespace

bool FailureAllowsSecondScheme(ErrorCode code) {
  switch (code) {
    case ErrorCode::kConnectRefused:
    case ErrorCode::kConnectTimeout:
    case ErrorCode::kConnectUnreachable:
    case ErrorCode::kConnectReset:
    case ErrorCode::kTlsError:
    case ErrorCode::kTlsTimeout:
    case ErrorCode::kWriteError:
    case ErrorCode::kReadTimeout:
    case ErrorCode::kReadReset:
    case ErrorCode::kEmptyResponse:
    case ErrorCode::kBadResponse:
      return true;
    default:
      return false;
  }
}

bool SwitchToSecondScheme(SchemeLess mode, Target* target) {
  if (!target->schemeless || mode == SchemeLess::kHttp || mode == SchemeLess::kHttps) return false;
  const size_t separator = target->url.find(kSeparator);
  if (separator == std::string::npos) return false;
  std::string url = target->https ? "http" : "https";
  url.append(target->url, separator, std::string::npos);
  // An explicit port stays (ParseUrl drops it where it is the new scheme's default); a default one
  // is not in `url`, so the new scheme's default applies.
  Target second;
  const char* detail = "";
  if (!ParseUrl(url, &second, &detail)) return false;
  second.userinfo = std::move(target->userinfo);
  second.schemeless = false;
  *target = std::move(second);
  return true;
}

bool ParseSchemeLess(std::string_view text, SchemeLess* mode) {
  const size_t comma = text.find(',');
  const int first = SchemeOf(text.substr(0, comma));
  if (first == 0) return false;
  if (comma == std::string_view::npos) {
    *mode = first == 1 ? SchemeLess::kHttp : SchemeLess::kHttps;
    return true;
  }
  const int second = SchemeOf(text.substr(comma + 1));
  if (second == 0 || second == first) return false;
  *mode = first == 2 ? SchemeLess::kHttpsThenHttp : SchemeLess::kHttpThenHttps;
  return true;
}

}  // namespace urlsweep
