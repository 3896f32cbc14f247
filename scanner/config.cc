// Command-line parsing and validation (shared/spec/CONTRACT.md, "Command line").
//
// Every rejected flag yields one line naming the flag and what was expected. Values that may hold secrets
// (proxy URLs, header lines) are never echoed into a message, and flags_text masks them.

#include "scanner/config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace urlsweep {
namespace {

// Upper bounds of the numeric flags. They reject typos (an extra zero, a negative number read as huge), not
// load: each is far beyond what one machine can use.
// One connection slot per request in flight; a million slots already exceeds the usual fd limits.
constexpr int64_t kMaxConcurrency = 1'000'000;
// --threads beyond this is a typo: no machine the scanner targets has more cores.
constexpr int64_t kMaxThreads = 1024;
// Retries multiply the time one URL can take; 100 already means hours for a dead host.
constexpr int64_t kMaxRetries = 100;
// Browsers stop at about 20 redirects (Chromium's kMaxRedirects); 100 leaves room without allowing loops
// to spin for ever.
constexpr int64_t kMaxFollow = 100;
// 1 TiB: --max-body caps what one response may download; more is certainly a typo.
constexpr int64_t kMaxBodyBytes = int64_t{1} << 40;
// One day: a longer budget for one URL (or one stage) is a typo, and it keeps timer arithmetic in
// milliseconds far from overflow.
constexpr double kMaxTimeoutSeconds = 86400;
// Defaults the contract fixes for ports the user leaves out.
constexpr uint16_t kDefaultDnsPort = 53;
// Like curl, a proxy URL without a port means 1080.
constexpr uint16_t kDefaultProxyPort = 1080;
// Each -H becomes one request header line; a real request never needs more, and the request serializer
// writes into a fixed buffer.
constexpr size_t kMaxExtraHeaders = 64;
// Per -H line: far beyond any sane header, well within the 8 KiB most servers accept for a whole header
// line before answering 431.
constexpr size_t kMaxHeaderLineBytes = 4096;
// Values quoted back in an error are cut here so the message stays one readable line.
constexpr size_t kMaxQuotedValue = 64;
// RFC 1035 section 2.3.4: a domain name has at most 253 characters in text form.
constexpr size_t kMaxHostName = 253;

enum class FlagId {
  kOutput,
  kFormat,
  kConcurrency,
  kPerHost,
  kRate,
  kThreads,
  kMethod,
  kHeader,
  kUserAgent,
  kTimeout,
  kConnectTimeout,
  kReadTimeout,
  kDnsTimeout,
  kRetries,
  kFollow,
  kMaxBody,
  kResolver,
  kProxy,
  kCaFile,
  kTlsVerify,
  kExclude,
  kShard,
  kResume,
  kQuiet,
  kProgress,
  kSummary,
  kParquetCompression,
  kVersion,
  kHelp,
};

struct FlagSpec {
  std::string_view long_name;  // without the leading "--"
  char short_name;             // 0 when there is none
  bool takes_value;
  FlagId id;
};

constexpr FlagSpec kFlags[] = {
    {"output", 'o', true, FlagId::kOutput},
    {"format", 0, true, FlagId::kFormat},
    {"concurrency", 'c', true, FlagId::kConcurrency},
    {"per-host", 0, true, FlagId::kPerHost},
    {"rate", 0, true, FlagId::kRate},
    {"threads", 0, true, FlagId::kThreads},
    {"method", 0, true, FlagId::kMethod},
    {"header", 'H', true, FlagId::kHeader},
    {"user-agent", 0, true, FlagId::kUserAgent},
    {"timeout", 0, true, FlagId::kTimeout},
    {"connect-timeout", 0, true, FlagId::kConnectTimeout},
    {"read-timeout", 0, true, FlagId::kReadTimeout},
    {"dns-timeout", 0, true, FlagId::kDnsTimeout},
    {"retries", 0, true, FlagId::kRetries},
    {"follow", 0, true, FlagId::kFollow},
    {"max-body", 0, true, FlagId::kMaxBody},
    {"resolver", 0, true, FlagId::kResolver},
    {"proxy", 0, true, FlagId::kProxy},
    {"ca-file", 0, true, FlagId::kCaFile},
    {"tls-verify", 0, true, FlagId::kTlsVerify},
    {"exclude", 0, true, FlagId::kExclude},
    {"shard", 0, true, FlagId::kShard},
    {"resume", 0, false, FlagId::kResume},
    {"quiet", 'q', false, FlagId::kQuiet},
    {"progress", 0, false, FlagId::kProgress},
    {"summary", 0, false, FlagId::kSummary},
    {"parquet-compression", 0, true, FlagId::kParquetCompression},
    {"version", 0, false, FlagId::kVersion},
    {"help", 'h', false, FlagId::kHelp},
};

const FlagSpec* FindLong(std::string_view name) {
  for (const FlagSpec& f : kFlags) {
    if (f.long_name == name) return &f;
  }
  return nullptr;
}

const FlagSpec* FindShort(char c) {
  for (const FlagSpec& f : kFlags) {
    if (f.short_name != 0 && f.short_name == c) return &f;
  }
  return nullptr;
}

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0), which
// does not convert from std::string_view: views pass through this to reach absl::StrCat.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool EqualsNoCase(std::string_view a, std::string_view b) { return absl::EqualsIgnoreCase(Av(a), Av(b)); }

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(Av(s)); }

std::string FlagName(const FlagSpec& f) { return absl::StrCat("--", Av(f.long_name)); }

// A user value quoted for an error message: cut to one short line, control bytes shown as '?'.
std::string Quoted(std::string_view value) {
  std::string out = "'";
  for (size_t i = 0; i < value.size() && i < kMaxQuotedValue; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  }
  if (value.size() > kMaxQuotedValue) out += "...";
  out += "'";
  return out;
}

absl::Status Invalid(const FlagSpec& f, std::string_view expected, std::string_view value) {
  return absl::InvalidArgumentError(
      absl::StrCat(FlagName(f), ": expected ", Av(expected), ", got ", Quoted(value)));
}

bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && p == end;
}

bool ParseDouble(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, *out, std::chars_format::general);
  return ec == std::errc() && p == end && std::isfinite(*out);
}

absl::Status ParseIntFlag(const FlagSpec& f, std::string_view value, int64_t lo, int64_t hi, int64_t* out) {
  if (!ParseInt(value, out) || *out < lo || *out > hi) {
    return Invalid(f, absl::StrCat("an integer from ", lo, " to ", hi), value);
  }
  return absl::OkStatus();
}

absl::Status ParseTimeoutFlag(const FlagSpec& f, std::string_view value, double* out) {
  double v = 0;
  if (!ParseDouble(value, &v) || !(v > 0) || v > kMaxTimeoutSeconds) {
    return Invalid(f, absl::StrCat("seconds, a number > 0 and <= ", kMaxTimeoutSeconds), value);
  }
  *out = v;
  return absl::OkStatus();
}

// RFC 9110 section 5.6.2: tchar.
bool IsTchar(char c) {
  if (absl::ascii_isalnum(static_cast<unsigned char>(c))) return true;
  return std::strchr("!#$%&'*+-.^_`|~", c) != nullptr && c != '\0';
}

bool IsToken(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsTchar); }

// CR, LF and NUL would end or split the request's header line (request smuggling).
bool HasLineBreakOrNul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string_view TrimSpaceTab(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsSecretHeader(std::string_view name) {
  return EqualsNoCase(name, "authorization") || EqualsNoCase(name, "proxy-authorization") ||
         EqualsNoCase(name, "cookie");
}

// The header line is never quoted back: it may carry a token.
absl::Status ParseHeader(std::string_view line, Config* config) {
  if (config->headers.size() >= kMaxExtraHeaders) {
    return absl::InvalidArgumentError(
        absl::StrCat("--header: at most ", kMaxExtraHeaders, " extra headers are allowed"));
  }
  if (line.size() > kMaxHeaderLineBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("--header: a header line may have at most ", kMaxHeaderLineBytes, " bytes"));
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError("--header: expected 'Name: value', found no ':'");
  }
  std::string_view name = line.substr(0, colon);
  // RFC 9112 section 5.1: no white space between the field name and the colon.
  if (!IsToken(name)) {
    return absl::InvalidArgumentError(
        "--header: the name before ':' must be a non-empty token (RFC 9110 section 5.6.2)");
  }
  std::string_view value = TrimSpaceTab(line.substr(colon + 1));
  if (HasLineBreakOrNul(value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--header ", Av(name), ": the value must not contain CR, LF or NUL"));
  }
  config->headers.emplace_back(std::string(name), std::string(value));
  return absl::OkStatus();
}

bool ParsePort(std::string_view s, uint16_t* port) {
  int64_t v = 0;
  if (!ParseInt(s, &v) || v < 1 || v > 65535) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

bool IsIpv4(std::string_view s) {
  char buf[INET_ADDRSTRLEN];
  if (s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in_addr a;
  return inet_pton(AF_INET, buf, &a) == 1;
}

bool IsIpv6(std::string_view s) {
  char buf[INET6_ADDRSTRLEN];
  if (s.size() >= sizeof(buf)) return false;
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in6_addr a;
  return inet_pton(AF_INET6, buf, &a) == 1;
}

// IP, IP:PORT, [IPv6] or [IPv6]:PORT.
bool ParseEndpoint(std::string_view s, Endpoint* out) {
  out->port = kDefaultDnsPort;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view ip = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!IsIpv6(ip)) return false;
    if (!rest.empty()) {
      if (rest.front() != ':' || !ParsePort(rest.substr(1), &out->port)) return false;
    }
    out->ip = std::string(ip);
    return true;
  }
  if (IsIpv6(s)) {
    out->ip = std::string(s);
    return true;
  }
  size_t colon = s.find(':');
  std::string_view ip = s.substr(0, colon);
  if (!IsIpv4(ip)) return false;
  if (colon != std::string_view::npos && !ParsePort(s.substr(colon + 1), &out->port)) return false;
  out->ip = std::string(ip);
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out->push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool IsHostNameChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

// Where the authority of a URL starts: after "scheme://", or at 0 when there is no scheme.
size_t AuthorityStart(std::string_view url) {
  size_t sep = url.find("://");
  return sep == std::string_view::npos ? 0 : sep + 3;
}

size_t AuthorityEnd(std::string_view url, size_t start) {
  size_t end = url.find_first_of("/?#", start);
  return end == std::string_view::npos ? url.size() : end;
}

// A proxy URL with its credentials replaced by "***" (for flags_text).
std::string MaskProxyUrl(std::string_view url) {
  size_t start = AuthorityStart(url);
  size_t end = AuthorityEnd(url, start);
  size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return absl::StrCat(Av(url.substr(0, start)), "***", Av(url.substr(start + at)));
}

// Parses http://[user:password@]host[:port][/...]; a value without a scheme is taken as http://. On error
// returns what is wrong, never any part of the value (it may hold credentials).
absl::Status ParseProxyUrl(std::string_view url, ProxySpec* out) {
  size_t sep = url.find("://");
  if (sep != std::string_view::npos) {
    if (!EqualsNoCase(url.substr(0, sep), "http")) {
      return absl::InvalidArgumentError("only http:// proxies are supported");
    }
  }
  size_t start = AuthorityStart(url);
  size_t end = AuthorityEnd(url, start);
  std::string_view authority = url.substr(start, end - start);
  // The path of a proxy URL means nothing; like curl, it is ignored ("http://proxy:3128/" is common).
  *out = ProxySpec();
  // The last '@' ends the credentials: an unencoded '@' in a password is common enough to accept.
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    size_t colon = userinfo.find(':');
    std::string_view user = userinfo.substr(0, colon);
    std::string_view password =
        colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
    if (!PercentDecode(user, &out->user) || !PercentDecode(password, &out->password)) {
      return absl::InvalidArgumentError("bad percent-encoding in the credentials");
    }
    out->has_credentials = !userinfo.empty();
  }
  std::string_view host;
  std::string_view port;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("missing ']' after the IPv6 host");
    host = authority.substr(1, close - 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return absl::InvalidArgumentError("unexpected text after the IPv6 host");
      port = rest.substr(1);
      has_port = true;
    }
    if (!IsIpv6(host)) return absl::InvalidArgumentError("bad IPv6 host");
  } else {
    size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return absl::InvalidArgumentError("no host");
    if (host.size() > kMaxHostName || !std::all_of(host.begin(), host.end(), IsHostNameChar)) {
      return absl::InvalidArgumentError("bad host name");
    }
  }
  out->host = Lower(host);
  out->port = kDefaultProxyPort;
  // RFC 3986 section 3.2.3: an empty port means the default.
  if (has_port && !port.empty() && !ParsePort(port, &out->port)) {
    return absl::InvalidArgumentError("bad port (expected 1 to 65535)");
  }
  return absl::OkStatus();
}

// Shell-style quoting so flags_text can be pasted back into a shell.
std::string ShellQuote(std::string_view arg) {
  auto plain = [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) || std::strchr("_./:=@%+,-", c) != nullptr;
  };
  if (!arg.empty() && std::all_of(arg.begin(), arg.end(), plain)) return std::string(arg);
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

// The value as flags_text shows it: secrets replaced by "***".
std::string MaskedValue(FlagId id, std::string_view value) {
  if (id == FlagId::kProxy) return MaskProxyUrl(value);
  if (id == FlagId::kHeader) {
    size_t colon = value.find(':');
    if (colon != std::string_view::npos && IsSecretHeader(TrimSpaceTab(value.substr(0, colon)))) {
      return absl::StrCat(Av(value.substr(0, colon)), ": ***");
    }
  }
  return std::string(value);
}

template <typename Enum, size_t N>
bool ParseChoice(std::string_view value, const std::pair<std::string_view, Enum> (&choices)[N], Enum* out) {
  for (const auto& [word, e] : choices) {
    if (EqualsNoCase(value, word)) {
      *out = e;
      return true;
    }
  }
  return false;
}

constexpr std::pair<std::string_view, OutputFormat> kFormats[] = {
    {"csv", OutputFormat::kCsv}, {"jsonl", OutputFormat::kJsonl}, {"parquet", OutputFormat::kParquet}};
constexpr std::pair<std::string_view, HttpMethod> kMethods[] = {{"GET", HttpMethod::kGet},
                                                                {"HEAD", HttpMethod::kHead}};
constexpr std::pair<std::string_view, TlsVerifyMode> kTlsModes[] = {
    {"report", TlsVerifyMode::kReport}, {"strict", TlsVerifyMode::kStrict}, {"off", TlsVerifyMode::kOff}};
constexpr std::pair<std::string_view, ParquetCompression> kCompressions[] = {
    {"zstd", ParquetCompression::kZstd},
    {"snappy", ParquetCompression::kSnappy},
    {"none", ParquetCompression::kNone}};

// What the flags left for the checks that need all of them.
struct ParseState {
  bool format_given = false;
  bool proxy_given = false;
  std::string proxy_value;
  int64_t threads_requested = 1;
};

absl::Status ApplyValue(const FlagSpec& f, std::string_view value, Config* c, ParseState* st) {
  int64_t n = 0;
  switch (f.id) {
    case FlagId::kOutput:
      if (value.empty()) return absl::InvalidArgumentError("--output: expected a path or '-', got ''");
      c->output = std::string(value);
      return absl::OkStatus();
    case FlagId::kFormat:
      if (!ParseChoice(value, kFormats, &c->format)) return Invalid(f, "csv, jsonl or parquet", value);
      st->format_given = true;
      return absl::OkStatus();
    case FlagId::kConcurrency:
      if (auto s = ParseIntFlag(f, value, 1, kMaxConcurrency, &n); !s.ok()) return s;
      c->concurrency = static_cast<int>(n);
      return absl::OkStatus();
    case FlagId::kPerHost:
      if (auto s = ParseIntFlag(f, value, 1, kMaxConcurrency, &n); !s.ok()) return s;
      c->per_host = static_cast<int>(n);
      return absl::OkStatus();
    case FlagId::kRate: {
      double v = 0;
      if (!ParseDouble(value, &v) || v < 0) return Invalid(f, "a number >= 0 (0 = no cap)", value);
      c->rate = v;
      return absl::OkStatus();
    }
    case FlagId::kThreads:
      if (auto s = ParseIntFlag(f, value, 0, kMaxThreads, &n); !s.ok()) return s;
      st->threads_requested = n;
      return absl::OkStatus();
    case FlagId::kMethod:
      if (!ParseChoice(value, kMethods, &c->method)) return Invalid(f, "GET or HEAD", value);
      return absl::OkStatus();
    case FlagId::kHeader:
      return ParseHeader(value, c);
    case FlagId::kUserAgent:
      if (HasLineBreakOrNul(value)) {
        return absl::InvalidArgumentError("--user-agent: the value must not contain CR, LF or NUL");
      }
      if (value.size() > kMaxHeaderLineBytes) {
        return absl::InvalidArgumentError(
            absl::StrCat("--user-agent: at most ", kMaxHeaderLineBytes, " bytes"));
      }
      c->user_agent = std::string(value);
      return absl::OkStatus();
    case FlagId::kTimeout:
      return ParseTimeoutFlag(f, value, &c->timeout_s);
    case FlagId::kConnectTimeout:
      return ParseTimeoutFlag(f, value, &c->connect_timeout_s);
    case FlagId::kReadTimeout:
      return ParseTimeoutFlag(f, value, &c->read_timeout_s);
    case FlagId::kDnsTimeout:
      return ParseTimeoutFlag(f, value, &c->dns_timeout_s);
    case FlagId::kRetries:
      if (auto s = ParseIntFlag(f, value, 0, kMaxRetries, &n); !s.ok()) return s;
      c->retries = static_cast<int>(n);
      return absl::OkStatus();
    case FlagId::kFollow:
      if (auto s = ParseIntFlag(f, value, 0, kMaxFollow, &n); !s.ok()) return s;
      c->follow = static_cast<int>(n);
      return absl::OkStatus();
    case FlagId::kMaxBody:
      return ParseIntFlag(f, value, 0, kMaxBodyBytes, &c->max_body);
    case FlagId::kResolver: {
      Endpoint e;
      if (!ParseEndpoint(value, &e)) return Invalid(f, "IP, IP:PORT or [IPv6]:PORT", value);
      c->resolvers.push_back(std::move(e));
      return absl::OkStatus();
    }
    case FlagId::kProxy:
      st->proxy_given = true;
      st->proxy_value = std::string(value);
      return absl::OkStatus();
    case FlagId::kCaFile:
      c->ca_file = std::string(value);
      return absl::OkStatus();
    case FlagId::kTlsVerify:
      if (!ParseChoice(value, kTlsModes, &c->tls_verify)) return Invalid(f, "report, strict or off", value);
      return absl::OkStatus();
    case FlagId::kExclude:
      c->exclude_file = std::string(value);
      return absl::OkStatus();
    case FlagId::kShard: {
      size_t slash = value.find('/');
      int64_t i = 0;
      int64_t count = 0;
      if (slash == std::string_view::npos || !ParseInt(value.substr(0, slash), &i) ||
          !ParseInt(value.substr(slash + 1), &count) || count < 1 ||
          count > std::numeric_limits<int>::max() || i < 0 || i >= count) {
        return Invalid(f, "I/N with 0 <= I < N", value);
      }
      c->shard_index = static_cast<int>(i);
      c->shard_count = static_cast<int>(count);
      return absl::OkStatus();
    }
    case FlagId::kParquetCompression:
      if (!ParseChoice(value, kCompressions, &c->parquet_compression)) {
        return Invalid(f, "zstd, snappy or none", value);
      }
      return absl::OkStatus();
    case FlagId::kResume:
    case FlagId::kQuiet:
    case FlagId::kProgress:
    case FlagId::kSummary:
    case FlagId::kVersion:
    case FlagId::kHelp:
      break;
  }
  return absl::InternalError(absl::StrCat(FlagName(f), ": unhandled flag"));
}

void ApplySwitch(FlagId id, Config* c) {
  switch (id) {
    case FlagId::kResume:
      c->resume = true;
      break;
    case FlagId::kQuiet:
      c->progress = ProgressMode::kOff;
      break;
    case FlagId::kProgress:
      c->progress = ProgressMode::kOn;
      break;
    case FlagId::kSummary:
      c->summary = true;
      break;
    default:
      break;
  }
}

// A file named by a flag must be readable now, so the run fails at start rather than midway.
absl::Status CheckReadableFile(std::string_view flag, const std::string& path) {
  // O_NONBLOCK: opening a FIFO with no writer would otherwise hang the start of the run.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    return absl::InvalidArgumentError(
        absl::StrCat(Av(flag), ": cannot read ", Quoted(path), ": ", std::generic_category().message(err)));
  }
  struct stat st;
  bool is_dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  ::close(fd);
  if (is_dir) {
    return absl::InvalidArgumentError(
        absl::StrCat(Av(flag), ": cannot read ", Quoted(path), ": it is a directory"));
  }
  return absl::OkStatus();
}

const char* FirstNonEmpty(EnvLookup env, const char* a, const char* b, const char** which) {
  if (env == nullptr) return nullptr;
  for (const char* name : {a, b}) {
    if (name == nullptr) continue;
    const char* v = env(name);
    if (v != nullptr && *v != '\0') {
      *which = name;
      return v;
    }
  }
  return nullptr;
}

absl::Status ProxyFromEnv(EnvLookup env, const char* lower, const char* upper,
                          std::optional<ProxySpec>* out) {
  const char* which = nullptr;
  const char* value = FirstNonEmpty(env, lower, upper, &which);
  if (value == nullptr) return absl::OkStatus();
  ProxySpec spec;
  if (absl::Status s = ParseProxyUrl(value, &spec); !s.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("environment variable ", which, ": invalid proxy URL: ", s.message()));
  }
  *out = std::move(spec);
  return absl::OkStatus();
}

// Canonical text of an IP literal (so "::0:1" and "::1" compare equal); false when `s` is not one.
bool CanonicalIp(std::string_view s, char* buf, size_t size, int* family) {
  char in[INET6_ADDRSTRLEN];
  if (s.empty() || s.size() >= sizeof(in)) return false;
  std::memcpy(in, s.data(), s.size());
  in[s.size()] = '\0';
  unsigned char addr[sizeof(in6_addr)];
  for (int af : {AF_INET, AF_INET6}) {
    if (inet_pton(af, in, addr) == 1) {
      *family = af;
      return inet_ntop(af, addr, buf, static_cast<socklen_t>(size)) != nullptr;
    }
  }
  return false;
}

void ParseNoProxy(std::string_view list, Config* c) {
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view entry = list.substr(pos, comma - pos);
    while (!entry.empty() && absl::ascii_isspace(static_cast<unsigned char>(entry.front())))
      entry.remove_prefix(1);
    while (!entry.empty() && absl::ascii_isspace(static_cast<unsigned char>(entry.back())))
      entry.remove_suffix(1);
    pos = comma + 1;
    if (entry.empty()) continue;
    if (entry == "*") {
      c->no_proxy_all = true;
      continue;
    }
    if (entry.size() >= 2 && entry.front() == '[' && entry.back() == ']') {
      entry = entry.substr(1, entry.size() - 2);
    }
    while (!entry.empty() && entry.front() == '.') entry.remove_prefix(1);
    if (!entry.empty() && entry.back() == '.') entry.remove_suffix(1);
    if (entry.empty()) continue;
    char canon[INET6_ADDRSTRLEN];
    int family = 0;
    if (CanonicalIp(entry, canon, sizeof(canon), &family)) {
      c->no_proxy.emplace_back(canon);
    } else {
      c->no_proxy.push_back(Lower(entry));
    }
  }
}

absl::Status ResolveProxies(const ParseState& st, EnvLookup env, Config* c) {
  if (st.proxy_given) {
    // `--proxy ''` means no proxy at all, the environment included.
    if (st.proxy_value.empty()) return absl::OkStatus();
    ProxySpec spec;
    if (absl::Status s = ParseProxyUrl(st.proxy_value, &spec); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--proxy: invalid proxy URL: ", s.message()));
    }
    c->http_proxy = spec;
    c->https_proxy = std::move(spec);
    return absl::OkStatus();
  }
  // Like curl, upper-case HTTP_PROXY is not honoured: under CGI it is set from the client's "Proxy:"
  // request header (httpoxy, CVE-2016-5385).
  if (absl::Status s = ProxyFromEnv(env, "http_proxy", nullptr, &c->http_proxy); !s.ok()) return s;
  if (absl::Status s = ProxyFromEnv(env, "https_proxy", "HTTPS_PROXY", &c->https_proxy); !s.ok()) return s;
  const char* which = nullptr;
  if (const char* list = FirstNonEmpty(env, "no_proxy", "NO_PROXY", &which)) ParseNoProxy(list, c);
  return absl::OkStatus();
}

OutputFormat FormatFromPath(std::string_view path) {
  std::string lower = Lower(path);
  if (absl::EndsWith(lower, ".jsonl")) return OutputFormat::kJsonl;
  if (absl::EndsWith(lower, ".parquet")) return OutputFormat::kParquet;
  return OutputFormat::kCsv;
}

int ResolveThreads(int64_t requested) {
  if (requested > 0) return static_cast<int>(requested);
  int64_t cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp<int64_t>(cores, 1, kMaxThreads));
}

bool IpInCidr(const unsigned char* addr, int family, std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  char net_text[INET6_ADDRSTRLEN];
  std::string_view net = cidr.substr(0, slash);
  if (net.empty() || net.size() >= sizeof(net_text)) return false;
  std::memcpy(net_text, net.data(), net.size());
  net_text[net.size()] = '\0';
  unsigned char net_addr[sizeof(in6_addr)];
  if (inet_pton(family, net_text, net_addr) != 1) return false;
  int64_t bits = 0;
  int max_bits = family == AF_INET ? 32 : 128;
  if (!ParseInt(cidr.substr(slash + 1), &bits) || bits < 0 || bits > max_bits) return false;
  int full = static_cast<int>(bits / 8);
  if (std::memcmp(addr, net_addr, full) != 0) return false;
  int rest = static_cast<int>(bits % 8);
  if (rest == 0) return true;
  unsigned mask = (0xffu << (8 - rest)) & 0xffu;
  return (addr[full] & mask) == (net_addr[full] & mask);
}

bool NoProxyMatches(const Config& config, std::string_view host) {
  if (config.no_proxy_all) return true;
  if (config.no_proxy.empty()) return false;
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  char canon[INET6_ADDRSTRLEN];
  int family = 0;
  if (CanonicalIp(host, canon, sizeof(canon), &family)) {
    // An IP literal matches equal literals and CIDR blocks, never as a "subdomain" ("1.2.3.4" is not
    // under "3.4").
    std::string_view ip(canon);
    unsigned char addr[sizeof(in6_addr)];
    inet_pton(family, canon, addr);
    for (const std::string& entry : config.no_proxy) {
      if (entry == ip || IpInCidr(addr, family, entry)) return true;
    }
    return false;
  }
  for (const std::string& entry : config.no_proxy) {
    if (host.size() < entry.size() || !EqualsNoCase(host.substr(host.size() - entry.size()), entry)) continue;
    if (host.size() == entry.size() || host[host.size() - entry.size() - 1] == '.') return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<ParsedArgs> ParseArgs(int argc, const char* const* argv, EnvLookup env) {
  ParsedArgs parsed;
  Config& c = parsed.config;
  c.user_agent = absl::StrCat("urlsweep/", kVersion);
  ParseState st;
  std::vector<std::string> shown;  // flags_text words
  bool flags_done = false;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (flags_done || arg.size() < 2 || arg[0] != '-') {
      if (arg.empty()) return absl::InvalidArgumentError("an input FILE argument is empty");
      c.inputs.emplace_back(arg);
      shown.push_back(ShellQuote(arg));
      continue;
    }
    if (arg == "--") {
      flags_done = true;
      shown.emplace_back("--");
      continue;
    }
    const FlagSpec* f = nullptr;
    std::string_view attached;
    bool has_attached = false;
    std::string_view prefix;  // what flags_text shows before an attached value
    if (arg[1] == '-') {
      std::string_view body = arg.substr(2);
      size_t eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      if (eq != std::string_view::npos) {
        attached = body.substr(eq + 1);
        has_attached = true;
        prefix = arg.substr(0, 2 + eq + 1);
      }
      f = FindLong(name);
      // The text after '=' is never echoed: it may be a secret.
      if (f == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("unknown flag --", Av(name), " (see --help)"));
      }
    } else {
      f = FindShort(arg[1]);
      if (f == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown flag -", Av(arg.substr(1, 1)), " (see --help)"));
      }
      if (arg.size() > 2) {
        attached = arg.substr(2);
        has_attached = true;
        prefix = arg.substr(0, 2);
      }
    }

    if (!f->takes_value) {
      if (has_attached) return absl::InvalidArgumentError(absl::StrCat(FlagName(*f), " takes no value"));
      shown.emplace_back(arg);
      if (f->id == FlagId::kHelp) {
        parsed.action = ParsedArgs::Action::kHelp;
        return parsed;
      }
      if (f->id == FlagId::kVersion) {
        parsed.action = ParsedArgs::Action::kVersion;
        return parsed;
      }
      ApplySwitch(f->id, &c);
      continue;
    }

    std::string_view value = attached;
    if (has_attached) {
      shown.push_back(ShellQuote(absl::StrCat(Av(prefix), MaskedValue(f->id, value))));
    } else {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat(FlagName(*f), " needs a value"));
      value = argv[++i];
      shown.emplace_back(arg);
      shown.push_back(ShellQuote(MaskedValue(f->id, value)));
    }
    if (absl::Status s = ApplyValue(*f, value, &c, &st); !s.ok()) return s;
  }

  c.threads = ResolveThreads(st.threads_requested);
  if (!st.format_given) c.format = c.output == "-" ? OutputFormat::kCsv : FormatFromPath(c.output);
  if (c.resume && c.output == "-") {
    return absl::InvalidArgumentError("--resume needs --output FILE: standard output cannot be resumed");
  }
  if (!c.ca_file.empty()) {
    if (absl::Status s = CheckReadableFile("--ca-file", c.ca_file); !s.ok()) return s;
  }
  if (!c.exclude_file.empty()) {
    if (absl::Status s = CheckReadableFile("--exclude", c.exclude_file); !s.ok()) return s;
  }
  if (absl::Status s = ResolveProxies(st, env, &c); !s.ok()) return s;
  c.flags_text = absl::StrJoin(shown, " ");
  return parsed;
}

const char* HelpText() {
  return "usage: urlsweep [FLAGS] [FILE ...]\n"
         "Fetches the URLs listed in each FILE, one a line ('-' or none: standard input; .gz is read\n"
         "decompressed), and writes one row per URL.\n"
         "\n"
         "  -o, --output PATH           where rows go, '-' = standard output (default: -)\n"
         "      --format F              csv, jsonl or parquet (default: from the --output extension, else "
         "csv)\n"
         "      --parquet-compression C zstd, snappy or none (default: zstd)\n"
         "  -c, --concurrency N         requests in flight at once, all hosts (default: 1024)\n"
         "      --per-host N            requests in flight at once to one host (default: 8)\n"
         "      --rate N                new requests per second, 0 = no cap (default: 0)\n"
         "      --threads N             event loops, 0 = one per core (default: 1)\n"
         "      --method GET|HEAD       request method (default: GET)\n"
         "  -H, --header 'Name: value'  extra request header, repeatable (default: none)\n"
         "      --user-agent S          User-Agent header (default: urlsweep/<version>)\n"
         "      --timeout SECS          whole budget for one URL, redirects included (default: 10)\n"
         "      --connect-timeout SECS  budget for the TCP connect and TLS handshake (default: 5)\n"
         "      --read-timeout SECS     budget for silence while reading (default: 10)\n"
         "      --dns-timeout SECS      budget for name resolution (default: 5)\n"
         "      --retries N             extra attempts after a transient failure (default: 1)\n"
         "      --follow N              redirects to follow, 0 = report the redirect (default: 0)\n"
         "      --max-body BYTES        body bytes read per response (default: 65536)\n"
         "      --resolver IP[:PORT]    DNS server, repeatable (default: those of /etc/resolv.conf)\n"
         "      --proxy URL             http://[user:password@]host[:port=1080], '' = none (default: env)\n"
         "      --ca-file PATH          extra trusted roots, PEM (default: none)\n"
         "      --tls-verify MODE       report, strict or off (default: report)\n"
         "      --exclude FILE          addresses, CIDRs and names never to contact (default: none)\n"
         "      --shard I/N             handle only shard I of N, 0-based (default: 0/1)\n"
         "      --resume                continue an interrupted run into the same --output (default: off)\n"
         "  -q, --quiet                 no progress line (default: progress if stderr is a terminal)\n"
         "      --progress              force the progress line on standard error\n"
         "      --summary               print counts and latency percentiles at the end (default: off)\n"
         "      --version               print the version and exit\n"
         "  -h, --help                  print this help and exit\n"
         "\n"
         "Without --proxy: http_proxy for http URLs, https_proxy or HTTPS_PROXY for https URLs, except\n"
         "hosts in no_proxy or NO_PROXY (comma-separated names, matching subdomains; '*' = all).\n";
}

const ProxySpec* ProxyFor(const Config& config, bool https, std::string_view host) {
  const std::optional<ProxySpec>& proxy = https ? config.https_proxy : config.http_proxy;
  if (!proxy.has_value()) return nullptr;
  if (NoProxyMatches(config, host)) return nullptr;
  return &*proxy;
}

}  // namespace urlsweep
