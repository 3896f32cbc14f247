// Fuzzes ResolveRedirect. Input: base URL, '\n', Location value. A base that is
// not absolute is replaced by a fixed one so that most inputs reach the resolution itself.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/redirect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t nl = in.find('\n');
  std::string_view base = nl == std::string_view::npos ? "http://example.com/a/b?q" : in.substr(0, nl);
  std::string_view location = nl == std::string_view::npos ? in : in.substr(nl + 1);

  static std::string out;  // reused, as a connection slot reuses its buffer
  const char* detail = nullptr;
  if (!urlsweep::ResolveRedirect(base, location, &out, &detail)) {
    if (detail == nullptr || detail[0] == '\0') __builtin_trap();
    if (!urlsweep::ResolveRedirect("http://example.com/a/b?q", location, &out, &detail)) return 0;
  }
  // A result is never empty, starts with its scheme, and never carries a fragment.
  if (out.empty() || out.find(':') == std::string::npos || out.find('#') != std::string::npos) {
    __builtin_trap();
  }
  return 0;
}
