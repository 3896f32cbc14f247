// URL parsing and normalisation for input lines (docs/resume-and-shards.md, "Input"). Pure: no I/O,
// no libuv; the only foreign call is libidn2 for non-ASCII host names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace urlsweep {

// Longer lines are invalid_url (docs/errors.md); the cap also bounds the request line we would have to send.
inline constexpr size_t kMaxUrlBytes = 8192;

// One parsed URL. ParseUrl fills every field; url is the single source the two views below read from,
// so a Target is only meaningful as ParseUrl left it.
struct Target {
  bool https = false;
  bool schemeless = false;     // the line named no scheme: https came from --scheme-less
  std::string host;            // lower-case ASCII (punycode for IDN); IPv6 literal WITHOUT brackets
  int ip_family = 0;           // 0 = a name, AF_INET or AF_INET6 for literals
  uint16_t port = 0;           // explicit or the scheme default
  bool default_port = true;    // port is the scheme's default
  std::string request_target;  // "/path?query", percent-encoded as needed, never empty
  std::string userinfo;        // percent-decoded "user:password" from the URL, empty if none
  std::string url;             // normalised absolute URL: scheme://host[:port]/path?query (no userinfo,
                               // no fragment, default port omitted, IPv6 in brackets, lower-case scheme/host)

  // The host as the `host` column wants it (IPv6 in brackets). A view into `url`.
  std::string_view host_column() const;
  // The Host header value: host[:port], brackets for IPv6, port only when not the default. A view into `url`.
  std::string_view authority() const;
};

// Parses one trimmed input line per the input rules (docs/resume-and-shards.md#input). On success fills
// *target (reusing its strings' capacity: an ASCII line does not allocate once the Target is warm) and
// returns true; otherwise returns false, leaves *target unspecified and sets *detail to a short static
// English text for error_detail ("unsupported scheme", "missing host", "invalid port", "invalid host", ...).
//
// Decisions beyond the documented rules:
// - A line without a scheme is http, or https when `schemeless_https` (the first of --scheme-less);
//   "//host/path" (scheme-relative) is such a line too.
// - "host:port" without a scheme is such a line; "word:rest" where rest is not a port and word has no '.' is an
//   unsupported scheme (mailto:, javascript:, ftp:...). "http:host" without "//" is invalid.
// - A host whose last label is all digits is an IPv4 literal and must be a dotted quad of decimal
//   numbers 0..255 without leading zeros: "1.2.3", "127.1", "2130706433", "010.0.0.1" are invalid_url
//   rather than guessed at with inet_aton's legacy (octal, short-form) rules.
// - Percent escapes in the host are decoded before IDN processing; an empty port ("host:/") is the
//   default port (RFC 3986 section 3.2.3); an explicit default port is dropped from `url`.
// - IPv6 literals are written in their canonical (RFC 5952) form; zone ids ("%25eth0") are rejected.
// - Dot segments in the path are kept: the scanner asks for exactly the path it was given.
bool ParseUrl(std::string_view input, Target* target, const char** detail, bool schemeless_https = false);

// A stable 64-bit hash of `bytes`, the same on every machine and in every version (tests pin its values):
// FNV-1a 64, then MurmurHash3's fmix64 finaliser so that every output bit depends on every input bit
// (FNV-1a's low k bits depend only on the inputs' low k bits, which would skew `hash % shards`).
// Used for --shard and for spreading hosts over threads.
uint64_t StableHash(std::string_view bytes);

}  // namespace urlsweep
