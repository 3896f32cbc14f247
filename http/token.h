// RFC 9110 section 5.6.2 tokens: what may stand in a method, a header name, an auth scheme or an
// auth-param name. One definition for every place that checks one (request headers, -H and
// --capture-header names, auth challenges).
#pragma once

#include <string_view>

namespace urlsweep {

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" /
//         DIGIT / ALPHA (ASCII only, whatever the locale).
inline bool IsTchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

// token = 1*tchar.
inline bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTchar(c)) return false;
  }
  return true;
}

}  // namespace urlsweep
