#include "http/redirect.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// The five components of RFC 3986 section 3, split as in its Appendix B.
struct UriRef {
  bool has_scheme = false;
  std::string_view scheme;
  bool has_authority = false;
  std::string_view authority;
  std::string_view path;
  bool has_query = false;
  std::string_view query;
};

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3986 section 3.1)
bool IsScheme(std::string_view s) {
  if (s.empty() || !absl::ascii_isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s) {
    if (!absl::ascii_isalnum(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

UriRef Split(std::string_view s) {
  UriRef r;
  size_t hash = s.find('#');
  if (hash != std::string_view::npos) s = s.substr(0, hash);
  size_t colon = s.find_first_of(":/?");
  if (colon != std::string_view::npos && s[colon] == ':' && IsScheme(s.substr(0, colon))) {
    r.has_scheme = true;
    r.scheme = s.substr(0, colon);
    s.remove_prefix(colon + 1);
  }
  if (s.starts_with("//")) {
    s.remove_prefix(2);
    size_t end = s.find_first_of("/?");
    if (end == std::string_view::npos) end = s.size();
    r.has_authority = true;
    r.authority = s.substr(0, end);
    s.remove_prefix(end);
  }
  size_t q = s.find('?');
  if (q != std::string_view::npos) {
    r.has_query = true;
    r.query = s.substr(q + 1);
    s = s.substr(0, q);
  }
  r.path = s;
  return r;
}

// Drops the last segment of the output path and its '/' (RFC 3986 section 5.2.4, step 2C). Each byte
// is removed at most once, so the whole algorithm stays linear.
void PopSegment(std::string* out, size_t floor) {
  size_t slash = std::string_view(*out).substr(floor).rfind('/');
  out->resize(slash == std::string_view::npos ? floor : floor + slash);
}

// RFC 3986 section 5.2.4, appending the result to *out after position `floor`.
void RemoveDotSegments(std::string_view in, std::string* out) {
  const size_t floor = out->size();
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      out->push_back('/');
      return;
    } else if (in.starts_with("/../")) {
      in.remove_prefix(3);
      PopSegment(out, floor);
    } else if (in == "/..") {
      PopSegment(out, floor);
      out->push_back('/');
      return;
    } else if (in == "." || in == "..") {
      return;
    } else {
      size_t end = in.find('/', in[0] == '/' ? 1 : 0);
      if (end == std::string_view::npos) end = in.size();
      out->append(in.substr(0, end));
      in.remove_prefix(end);
    }
  }
}

// WHATWG URL: for http(s), '\' in the part before the query is a path separator, as browsers read it.
bool NeedsBackslashFix(const UriRef& r, std::string_view location) {
  if (r.has_scheme && !EqualsIgnoreCase(r.scheme, "http") &&
      !EqualsIgnoreCase(r.scheme, "https")) {
    return false;
  }
  size_t end = location.find_first_of("?#");
  return location.substr(0, end).find('\\') != std::string_view::npos;
}

bool IsTrimmed(unsigned char c) { return c <= 0x20; }

}  // namespace

bool IsRedirectStatus(int status) {
  switch (status) {
    case 301:
    case 302:
    case 303:
    case 307:
    case 308:
      return true;
    default:
      return false;
  }
}

bool ResolveRedirect(std::string_view base, std::string_view location, std::string* out,
                     const char** detail) {
  // WHATWG URL strips leading and trailing C0 controls and space.
  while (!location.empty() && IsTrimmed(static_cast<unsigned char>(location.front()))) {
    location.remove_prefix(1);
  }
  while (!location.empty() && IsTrimmed(static_cast<unsigned char>(location.back()))) {
    location.remove_suffix(1);
  }
  if (location.empty()) {
    *detail = "empty Location header";
    return false;
  }
  UriRef b = Split(base);
  if (!b.has_scheme || !b.has_authority) {
    *detail = "base URL is not absolute";
    return false;
  }

  // Redirects are rare next to requests; this buffer keeps its capacity for the next one.
  thread_local std::string fixed;
  UriRef r = Split(location);
  if (NeedsBackslashFix(r, location)) {
    fixed.assign(location);
    size_t end = std::min(fixed.find_first_of("?#"), fixed.size());
    std::replace(fixed.begin(), fixed.begin() + static_cast<ptrdiff_t>(end), '\\', '/');
    r = Split(fixed);
  }
  // RFC 3986 section 5.2.2, non-strict: a scheme equal to the base's is dropped.
  if (r.has_scheme && EqualsIgnoreCase(r.scheme, b.scheme) && !r.has_authority) {
    r.has_scheme = false;
  }

  // Transform References (RFC 3986 section 5.2.2) and Component Recomposition (section 5.3).
  const UriRef& scheme_from = r.has_scheme ? r : b;
  const UriRef& authority_from = (r.has_scheme || r.has_authority) ? r : b;
  out->clear();
  for (char c : scheme_from.scheme) out->push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  out->push_back(':');
  if (authority_from.has_authority) {
    out->append("//");
    out->append(authority_from.authority);
  }
  const size_t path_start = out->size();
  bool has_query;
  std::string_view query;
  if (r.has_scheme || r.has_authority) {
    RemoveDotSegments(r.path, out);
    has_query = r.has_query;
    query = r.query;
  } else if (r.path.empty()) {
    out->append(b.path);
    has_query = r.has_query || b.has_query;
    query = r.has_query ? r.query : b.query;
  } else {
    if (r.path.front() == '/') {
      RemoveDotSegments(r.path, out);
    } else {
      // Merge Paths (RFC 3986 section 5.2.3).
      thread_local std::string merged;
      merged.clear();
      if (b.path.empty()) {
        merged.push_back('/');
      } else {
        merged.append(b.path.substr(0, b.path.rfind('/') + 1));
      }
      merged.append(r.path);
      RemoveDotSegments(merged, out);
    }
    has_query = r.has_query;
    query = r.query;
  }
  // An http(s) URL's empty path means "/" (RFC 9110 section 4.2.3).
  if (authority_from.has_authority && out->size() == path_start) out->push_back('/');
  if (has_query) {
    out->push_back('?');
    out->append(query);
  }
  return true;
}

}  // namespace urlsweep
