// Following a redirect: which statuses redirect, and where a Location points. Pure string work; the
// result goes back through the URL parser (scanner/url), which alone decides what is fetchable.
#pragma once

#include <string>
#include <string_view>

namespace urlsweep {

// 301, 302, 303, 307 and 308 (RFC 9110 section 15.4), the ones --follow follows.
bool IsRedirectStatus(int status);

// Resolves a Location value against the absolute URL `base` (scheme://host[:port]/path?query, as
// urlsweep normalises it) by RFC 3986 section 5.2: relative paths, "." and ".." segments, "//host/x",
// "?q"; absolute URLs are kept, and the fragment is dropped (it is never sent). Writes the absolute URL
// to *out and returns true; returns false with a static *detail when Location is empty or `base` is
// not absolute.
//
// Browser behaviours kept, both from WHATWG URL for http(s): surrounding white space and control bytes
// are trimmed; in a relative or http(s) Location, '\' before any '?' or '#' counts as '/' (so
// "\\host\x" is "//host/x"). RFC 3986 section 5.2.2's non-strict rule is used: "http:x" against an
// http base is the relative "x". The scheme is lower-cased; nothing else is normalised or validated.
bool ResolveRedirect(std::string_view base, std::string_view location, std::string* out,
                     const char** detail);

}  // namespace urlsweep
