#include "scanner/url.h"

#include <idn2.h>
#include <sys/socket.h>

#include <array>
#include <cstring>

#include "core/endpoint.h"
#include "core/ip_address.h"
#include "core/text.h"

namespace urlsweep {
namespace {

constexpr uint16_t kHttpPort = 80;
constexpr uint16_t kHttpsPort = 443;
constexpr std::string_view kHttpPrefix = "http://";
constexpr std::string_view kHttpsPrefix = "https://";

// RFC 1035 section 2.3.4: a label is at most 63 octets.
constexpr size_t kMaxLabelBytes = 63;
// RFC 1035 allows 255 octets on the wire, which is 253 characters in dotted text without the root dot.
constexpr size_t kMaxHostBytes = 253;

bool IsAsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
bool IsAsciiDigit(unsigned char c) { return c >= '0' && c <= '9'; }
char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }


// Bytes that may not stand in an HTTP/1.1 request line (RFC 9112 section 3.2) and that browsers
// percent-encode in a path or query (WHATWG URL, "path percent-encode set"): controls, space, '"',
// '<', '>', '`', '{', '}', DEL and every non-ASCII byte. '%' itself is left alone, so existing escapes
// are kept, as browsers do.
constexpr std::array<bool, 256> MakeEncodeSet() {
  std::array<bool, 256> set{};
  for (int c = 0; c <= 0x20; ++c) set[c] = true;
  for (int c = 0x7f; c < 256; ++c) set[c] = true;
  for (unsigned char c : std::string_view("\"<>`{}")) set[c] = true;
  return set;
}
constexpr std::array<bool, 256> kEncodeSet = MakeEncodeSet();

void AppendEncoded(std::string_view in, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (kEncodeSet[c]) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xf]);
    } else {
      out->push_back(ch);
    }
  }
}

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t extra;
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    const auto second = static_cast<unsigned char>(s[i + 1]);
    if (second < lo || second > hi) return false;
    for (size_t k = 2; k <= extra; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if (cont < 0x80 || cont > 0xbf) return false;
    }
    i += extra + 1;
  }
  return true;
}

// Splits off the scheme. On success *rest is what follows "scheme://" (or the whole line when the line
// has no scheme), *https says which scheme the line names and *schemeless that it names none.
bool SplitScheme(std::string_view in, bool* https, bool* schemeless, std::string_view* rest,
                 const char** detail) {
  *https = false;
  *schemeless = true;
  if (in.substr(0, 2) == "//") {
    *rest = in.substr(2);
    return true;
  }
  // RFC 3986 section 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
  size_t i = 0;
  if (!in.empty() && IsAsciiAlpha(in[0])) {
    i = 1;
    while (i < in.size() &&
           (IsAsciiAlpha(in[i]) || IsAsciiDigit(in[i]) || in[i] == '+' || in[i] == '-' || in[i] == '.')) {
      ++i;
    }
  }
  if (i == 0 || i == in.size() || in[i] != ':') {
    *rest = in;
    return true;
  }
  const std::string_view scheme = in.substr(0, i);
  const std::string_view after = in.substr(i + 1);
  const bool is_http = EqualsIgnoreCase(scheme, "http");
  const bool is_https = EqualsIgnoreCase(scheme, "https");
  if (after.substr(0, 2) == "//") {
    if (!is_http && !is_https) {
      *detail = "unsupported scheme";
      return false;
    }
    *https = is_https;
    *schemeless = false;
    *rest = after.substr(2);
    return true;
  }
  if (is_http || is_https) {
    *detail = "missing // after scheme";
    return false;
  }
  // No "//": "host:port[/...]" is a host without a scheme; "mailto:x", "javascript:x" are schemes. A
  // word with a '.' is a host name whose port is malformed, which the port check then reports.
  size_t digits = 0;
  while (digits < after.size() && IsAsciiDigit(after[digits])) ++digits;
  const bool port_follows = digits == after.size() || after[digits] == '/' || after[digits] == '?' ||
                            after[digits] == '#';
  if (port_follows || scheme.find('.') != std::string_view::npos) {
    *rest = in;
    return true;
  }
  *detail = "unsupported scheme";
  return false;
}

bool ParseUrlPort(std::string_view text, uint16_t* port, const char** detail) {
  if (text.empty()) return true;  // RFC 3986 section 3.2.3: an empty port means the default.
  if (!ParsePort(text, port)) {
    *detail = "invalid port";
    return false;
  }
  return true;
}

bool ParseIpv6Host(std::string_view text, Target* target, const char** detail) {
  if (text.find('%') != std::string_view::npos) {
    *detail = "IPv6 zone id not allowed";
    return false;
  }
  IpAddress address;
  if (!ParseIpLiteral(text, AF_INET6, &address)) {
    *detail = "invalid IPv6 address";
    return false;
  }
  char canonical[INET6_ADDRSTRLEN];
  const std::string_view canonical_text = FormatIpAddress(address, canonical);
  target->host.assign(canonical_text.data(), canonical_text.size());
  target->ip_family = AF_INET6;
  return true;
}

// Converts a host holding non-ASCII bytes or percent escapes to its lower-case ASCII form in
// target->host. Allowed to allocate: only unusual lines come here.
bool NormaliseUnusualHost(std::string_view text, Target* target, const char** detail) {
  std::string& host = target->host;
  host.clear();
  if (!AppendPercentDecoded(text, PercentEscapes::kStrict, &host)) {
    *detail = "invalid percent escape in host";
    return false;
  }
  if (host.find('\0') != std::string::npos) {
    *detail = "NUL in host";
    return false;
  }
  bool ascii = true;
  for (char c : host) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  if (ascii) {
    for (char& c : host) c = ToLowerAscii(c);
    return true;
  }
  if (!IsValidUtf8(host)) {
    *detail = "invalid UTF-8 in host";
    return false;
  }
  // UTS #46 non-transitional processing is what browsers do today ("faß.de" stays distinct from
  // "fass.de"); transitional processing still maps names IDNA2008 disallows (symbols, emoji), which
  // exist in the wild, so it is the fallback rather than an error.
  uint8_t* ascii_name = nullptr;
  const auto* source = reinterpret_cast<const uint8_t*>(host.c_str());
  int rc = idn2_lookup_u8(source, &ascii_name, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK) {
    idn2_free(ascii_name);
    ascii_name = nullptr;
    rc = idn2_lookup_u8(source, &ascii_name, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
  }
  if (rc != IDN2_OK) {
    idn2_free(ascii_name);
    *detail = "invalid international host name";
    return false;
  }
  host.assign(reinterpret_cast<const char*>(ascii_name));
  idn2_free(ascii_name);
  return true;
}

// Checks the lower-case ASCII name in target->host, drops a trailing dot and recognises IPv4 literals.
bool ValidateName(Target* target, const char** detail) {
  std::string& host = target->host;
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty()) {
    *detail = "invalid host";
    return false;
  }
  if (host.size() > kMaxHostBytes) {
    *detail = "host longer than 253 bytes";
    return false;
  }
  size_t label_start = 0;
  bool last_label_numeric = true;
  for (size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      const size_t label_bytes = i - label_start;
      if (label_bytes == 0) {
        *detail = "empty label in host";
        return false;
      }
      if (label_bytes > kMaxLabelBytes) {
        *detail = "host label longer than 63 bytes";
        return false;
      }
      label_start = i + 1;
      if (i < host.size()) last_label_numeric = true;
      continue;
    }
    const char c = host[i];
    const bool digit = IsAsciiDigit(c);
    if (!digit && !(c >= 'a' && c <= 'z') && c != '-' && c != '_') {
      *detail = "invalid character in host";
      return false;
    }
    last_label_numeric = last_label_numeric && digit;
  }
  target->ip_family = 0;
  // No top-level domain is all digits, so such a host can only be meant as an IPv4 address (WHATWG URL
  // "ends in a number"). Only the dotted quad without leading zeros is one (core/ip_address.h).
  if (last_label_numeric) {
    IpAddress address;
    if (!ParseIpLiteral(host, AF_INET, &address)) {
      *detail = "invalid IPv4 address";
      return false;
    }
    target->ip_family = AF_INET;
  }
  return true;
}

void AppendPort(uint16_t port, std::string* out) {
  char digits[5];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + port % 10);
    port /= 10;
  } while (port != 0);
  while (n > 0) out->push_back(digits[--n]);
}

size_t SchemePrefixBytes(bool https) { return https ? kHttpsPrefix.size() : kHttpPrefix.size(); }

}  // namespace

std::string_view Target::host_column() const {
  const size_t prefix = SchemePrefixBytes(https);
  const size_t bytes = host.size() + (ip_family == AF_INET6 ? 2 : 0);
  if (url.size() < prefix + bytes) return {};
  return std::string_view(url).substr(prefix, bytes);
}

std::string_view Target::authority() const {
  const size_t prefix = SchemePrefixBytes(https);
  if (url.size() < prefix + request_target.size()) return {};
  return std::string_view(url).substr(prefix, url.size() - prefix - request_target.size());
}

bool ParseUrl(std::string_view input, Target* target, const char** detail, bool schemeless_https) {
  if (input.size() > kMaxUrlBytes) {
    *detail = "URL longer than 8192 bytes";
    return false;
  }
  bool https = false;
  bool schemeless = false;
  std::string_view rest;
  if (!SplitScheme(input, &https, &schemeless, &rest, detail)) return false;
  if (schemeless) https = schemeless_https;
  target->schemeless = schemeless;

  const size_t authority_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, authority_end);
  const std::string_view path = authority_end == std::string_view::npos ? std::string_view()
                                                                        : rest.substr(authority_end);

  // The last '@' ends the userinfo, as browsers read it: a password may hold a raw '@'.
  target->userinfo.clear();
  const size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    AppendPercentDecoded(authority.substr(0, at), PercentEscapes::kKeepMalformed, &target->userinfo);
    authority.remove_prefix(at + 1);
  }

  std::string_view host_text;
  std::string_view port_text;
  bool bracketed = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *detail = "invalid IPv6 address";
      return false;
    }
    bracketed = true;
    host_text = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        *detail = "invalid host";
        return false;
      }
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    host_text = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (host_text.empty()) {
    *detail = "missing host";
    return false;
  }

  target->https = https;
  const uint16_t scheme_port = https ? kHttpsPort : kHttpPort;
  target->port = scheme_port;
  if (!ParseUrlPort(port_text, &target->port, detail)) return false;
  target->default_port = target->port == scheme_port;

  if (bracketed) {
    if (!ParseIpv6Host(host_text, target, detail)) return false;
  } else {
    bool unusual = false;
    for (char c : host_text) {
      unusual = unusual || c == '%' || c == '\0' || static_cast<unsigned char>(c) >= 0x80;
    }
    if (unusual) {
      if (!NormaliseUnusualHost(host_text, target, detail)) return false;
    } else {
      target->host.clear();
      for (char c : host_text) target->host.push_back(ToLowerAscii(c));
    }
    if (!ValidateName(target, detail)) return false;
  }

  // The fragment is the client's business and never sent (RFC 9110 section 4.2.4).
  const std::string_view sent = path.substr(0, path.find('#'));
  target->request_target.clear();
  if (sent.empty() || sent[0] != '/') target->request_target.push_back('/');
  AppendEncoded(sent, &target->request_target);

  std::string& url = target->url;
  url.clear();
  url.append(https ? kHttpsPrefix : kHttpPrefix);
  if (target->ip_family == AF_INET6) url.push_back('[');
  url.append(target->host);
  if (target->ip_family == AF_INET6) url.push_back(']');
  if (!target->default_port) {
    url.push_back(':');
    AppendPort(target->port, &url);
  }
  url.append(target->request_target);
  // The limit holds for the URL as normalised too: every later step (redirect loop detection, --resume,
  // the request line) reads this form, and it can be longer than the line: a non-ASCII or space byte
  // becomes three when percent-encoded, and a line without a scheme gains "http://".
  if (url.size() > kMaxUrlBytes) {
    *detail = "URL longer than 8192 bytes once percent-encoded and normalised";
    return false;
  }
  return true;
}

uint64_t StableHash(std::string_view bytes) {
  // FNV-1a 64 (offset basis and prime from the FNV specification, draft-eastlake-fnv).
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  // MurmurHash3's fmix64 finaliser.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace urlsweep
