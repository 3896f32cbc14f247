// Command-line parsing and validation (docs/flags.md).
//
// Every rejected flag yields one line naming the flag and what was expected. Values that may hold secrets
// (proxy URLs, header lines) are never echoed into a message, and flags_text masks them.

#include "scanner/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/endpoint.h"
#include "core/flag_tokenizer.h"
#include "core/output_format.h"
#include "core/text.h"
#include "http/token.h"
#include "scanner/scheme_fallback.h"

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
// --resolver without a port: DNS's own (RFC 1035 section 4.2).
constexpr uint16_t kDefaultDnsPort = 53;
// Each -H becomes one request header line; a real request never needs more, and the request serializer
// writes into a fixed buffer.
constexpr size_t kMaxExtraHeaders = 64;
// Per -H line: far beyond any sane header, well within the 8 KiB most servers accept for a whole header
// line before answering 431.
constexpr size_t kMaxHeaderLineBytes = 4096;
// -L without --max-redirs or --follow: the documented default (docs/flags.md), enough for the usual
// chains (http to https, to www., to a language path) while a loop still ends soon.
constexpr int kLocationRedirects = 10;
// Status codes llhttp accepts are three digits; --fail-on names no other.
constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 999;
// --capture-header: a column each; more than this many is a mistake.
constexpr size_t kMaxCapturedHeaders = 32;
// Values quoted back in an error are cut here so the message stays one readable line.
constexpr size_t kMaxQuotedValue = 64;

enum class FlagId {
  kOutput,
  kFormat,
  kConcurrency,
  kPerHost,
  kRate,
  kThreads,
  kMethod,
  kHead,
  kHeader,
  kUserAgent,
  kTimeout,
  kConnectTimeout,
  kReadTimeout,
  kDnsTimeout,
  kRetries,
  kFollow,
  kLocation,
  kMaxBody,
  kCaptureHeader,
  kBodyHash,
  kResolver,
  kProxy,
  kProxyAuth,
  kProxyFile,
  kProxyRotate,
  kProxyInsecure,
  kCaFile,
  kTlsVerify,
  kInsecure,
  kIpVersion,
  kHttp2,
  kHttp11,
  kHttp2PriorKnowledge,
  kIpv4,
  kIpv6,
  kExclude,
  kShard,
  kResume,
  kQuiet,
  kProgress,
  kSummary,
  kProgressJson,
  kMetricsListen,
  kShardBy,
  kSchemeLess,
  kParquetCompression,
  kFailOn,
  kCompress,
  kVersion,
  kHelp,
};

constexpr FlagSpec Flag(std::string_view long_name, char short_name, bool takes_value, FlagId id) {
  return FlagSpec{long_name, short_name, takes_value, static_cast<int>(id)};
}

// Every flag of a scan. curl's names for the same things (docs/flags.md, "curl's names") are entries of
// their own with the same FlagId, so they are the same flags, also in error messages' terms.
constexpr FlagSpec kFlags[] = {
    Flag("output", 'o', true, FlagId::kOutput),
    Flag("format", 0, true, FlagId::kFormat),
    Flag("concurrency", 'c', true, FlagId::kConcurrency),
    Flag("per-host", 0, true, FlagId::kPerHost),
    Flag("rate", 0, true, FlagId::kRate),
    Flag("threads", 0, true, FlagId::kThreads),
    Flag("method", 0, true, FlagId::kMethod),
    Flag("head", 'I', false, FlagId::kHead),
    Flag("header", 'H', true, FlagId::kHeader),
    Flag("user-agent", 'A', true, FlagId::kUserAgent),
    Flag("timeout", 0, true, FlagId::kTimeout),
    Flag("max-time", 'm', true, FlagId::kTimeout),
    Flag("connect-timeout", 0, true, FlagId::kConnectTimeout),
    Flag("read-timeout", 0, true, FlagId::kReadTimeout),
    Flag("dns-timeout", 0, true, FlagId::kDnsTimeout),
    Flag("retries", 0, true, FlagId::kRetries),
    Flag("follow", 0, true, FlagId::kFollow),
    Flag("max-redirs", 0, true, FlagId::kFollow),
    Flag("location", 'L', false, FlagId::kLocation),
    Flag("max-body", 0, true, FlagId::kMaxBody),
    Flag("capture-header", 0, true, FlagId::kCaptureHeader),
    Flag("body-hash", 0, false, FlagId::kBodyHash),
    Flag("resolver", 0, true, FlagId::kResolver),
    Flag("ip-version", 0, true, FlagId::kIpVersion),
    Flag("", '4', false, FlagId::kIpv4),
    Flag("", '6', false, FlagId::kIpv6),
    Flag("http2", 0, false, FlagId::kHttp2),
    Flag("http1.1", 0, false, FlagId::kHttp11),
    Flag("http2-prior-knowledge", 0, false, FlagId::kHttp2PriorKnowledge),
    Flag("proxy", 'x', true, FlagId::kProxy),
    Flag("proxy-auth", 0, true, FlagId::kProxyAuth),
    Flag("proxy-file", 0, true, FlagId::kProxyFile),
    Flag("proxy-rotate", 0, true, FlagId::kProxyRotate),
    Flag("proxy-insecure", 0, false, FlagId::kProxyInsecure),
    Flag("ca-file", 0, true, FlagId::kCaFile),
    Flag("cacert", 0, true, FlagId::kCaFile),
    Flag("tls-verify", 0, true, FlagId::kTlsVerify),
    Flag("insecure", 'k', false, FlagId::kInsecure),
    Flag("exclude", 0, true, FlagId::kExclude),
    Flag("shard", 0, true, FlagId::kShard),
    Flag("resume", 0, false, FlagId::kResume),
    Flag("fail-on", 0, true, FlagId::kFailOn),
    Flag("quiet", 'q', false, FlagId::kQuiet),
    Flag("silent", 's', false, FlagId::kQuiet),
    Flag("progress", 0, false, FlagId::kProgress),
    Flag("summary", 0, false, FlagId::kSummary),
    Flag("progress-json", 0, false, FlagId::kProgressJson),
    Flag("metrics-listen", 0, true, FlagId::kMetricsListen),
    Flag("shard-by", 0, true, FlagId::kShardBy),
    Flag("scheme-less", 0, true, FlagId::kSchemeLess),
    Flag("parquet-compression", 0, true, FlagId::kParquetCompression),
    Flag("version", 'V', false, FlagId::kVersion),
    Flag("compress", 0, true, FlagId::kCompress),
    Flag("help", 'h', false, FlagId::kHelp),
};

FlagId IdOf(const FlagSpec& f) { return static_cast<FlagId>(f.id); }

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }

std::string FlagName(const FlagSpec& f) {
  if (f.long_name.empty()) return std::string{'-', f.short_name};
  return absl::StrCat("--", ToAbsl(f.long_name));
}

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
      absl::StrCat(FlagName(f), ": expected ", ToAbsl(expected), ", got ", Quoted(value)));
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
  return EqualsIgnoreCase(name, "authorization") || EqualsIgnoreCase(name, "proxy-authorization") ||
         EqualsIgnoreCase(name, "cookie");
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
        absl::StrCat("--header ", ToAbsl(name), ": the value must not contain CR, LF or NUL"));
  }
  config->headers.emplace_back(std::string(name), std::string(value));
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
      return absl::StrCat(ToAbsl(value.substr(0, colon)), ": ***");
    }
  }
  return std::string(value);
}

template <typename Enum, size_t N>
bool ParseChoice(std::string_view value, const std::pair<std::string_view, Enum> (&choices)[N], Enum* out) {
  for (const auto& [word, e] : choices) {
    if (EqualsIgnoreCase(value, word)) {
      *out = e;
      return true;
    }
  }
  return false;
}

constexpr std::pair<std::string_view, HttpMethod> kMethods[] = {{"GET", HttpMethod::kGet},
                                                                {"HEAD", HttpMethod::kHead}};
constexpr std::pair<std::string_view, TlsVerifyMode> kTlsModes[] = {
    {"report", TlsVerifyMode::kReport}, {"strict", TlsVerifyMode::kStrict}, {"off", TlsVerifyMode::kOff}};
constexpr std::pair<std::string_view, ProxyAuthMode> kProxyAuthModes[] = {
    {"any", ProxyAuthMode::kAny}, {"basic", ProxyAuthMode::kBasic}, {"digest", ProxyAuthMode::kDigest},
    {"ntlm", ProxyAuthMode::kNtlm}};
constexpr std::pair<std::string_view, ParquetCompression> kCompressions[] = {
    {"zstd", ParquetCompression::kZstd},
    {"snappy", ParquetCompression::kSnappy},
    {"none", ParquetCompression::kNone}};
constexpr std::pair<std::string_view, ProxyRotate> kProxyRotates[] = {{"host", ProxyRotate::kHost},
                                                                     {"url", ProxyRotate::kUrl}};
constexpr std::pair<std::string_view, ShardBy> kShardBys[] = {{"host", ShardBy::kHost}, {"line", ShardBy::kLine}};

// --metrics-listen HOST:PORT: an IP literal (IPv6 in brackets) or `localhost`, and a port (no default:
// a metrics port is the user's choice, and port 0 would leave the scraper not knowing where to look).
absl::Status ParseMetricsListen(const FlagSpec& f, std::string_view value, Config* c) {
  constexpr std::string_view kLocalhost = "localhost:";
  std::string spelled(value);
  if (value.size() > kLocalhost.size() && EqualsIgnoreCase(value.substr(0, kLocalhost.size()), kLocalhost)) {
    spelled = absl::StrCat("127.0.0.1:", ToAbsl(value.substr(kLocalhost.size())));
  }
  Endpoint e;
  if (!ParseEndpoint(spelled, /*default_port=*/0, &e) || e.port == 0) {
    return Invalid(f, "HOST:PORT (IP, [IPv6] or localhost, and a port 1-65535)", value);
  }
  c->metrics_listen = std::move(e);
  return absl::OkStatus();
}

// What the flags left for the checks that need all of them.
struct ParseState {
  bool format_given = false;
  bool follow_given = false;  // --follow or --max-redirs
  bool location = false;      // -L
  std::optional<OutputCompression> compress;  // the value of --compress, when given
  std::optional<std::string> proxy;  // the value of --proxy, when given
  std::optional<std::string> proxy_file;  // the value of --proxy-file, when given
  int64_t threads_requested = 1;
};

constexpr std::pair<std::string_view, IpVersion> kIpVersions[] = {
    {"4", IpVersion::kV4}, {"6", IpVersion::kV6}, {"any", IpVersion::kAny}};

// --fail-on LIST: `error`, error words, `4xx`-style classes and status codes, comma-separated; each
// --fail-on adds to the list.
absl::Status ParseFailOn(const FlagSpec& f, std::string_view list, FailOn* fail_on) {
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string_view::npos) comma = list.size();
    const std::string item = Lower(TrimSpaceTab(list.substr(start, comma - start)));
    start = comma + 1;
    ErrorCode code = ErrorCode::kNone;
    int64_t status = 0;
    if (item == "error") {
      fail_on->any_error = true;
    } else if (ErrorFromName(item, &code) && code != ErrorCode::kNone) {
      fail_on->errors.push_back(code);
    } else if (item.size() == 3 && item[0] >= '1' && item[0] <= '5' && item[1] == 'x' && item[2] == 'x') {
      const int first = (item[0] - '0') * 100;
      fail_on->statuses.emplace_back(first, first + 99);
    } else if (ParseInt(item, &status) && status >= kMinStatus && status <= kMaxStatus) {
      fail_on->statuses.emplace_back(static_cast<int>(status), static_cast<int>(status));
    } else {
      return Invalid(f, "error, an error word, 4xx, 5xx or a status code, comma-separated",
                     item.empty() ? list : std::string_view(item));
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyValue(const FlagSpec& f, std::string_view value, Config* c, ParseState* st) {
  int64_t n = 0;
  switch (IdOf(f)) {
    case FlagId::kOutput:
      if (value.empty()) return absl::InvalidArgumentError("--output: expected a path or '-', got ''");
      c->output = std::string(value);
      return absl::OkStatus();
    case FlagId::kFormat:
      // Any case is accepted ("--format CSV"); the table holds the lower-case names.
      if (!OutputFormatFromName(Lower(value), &c->format)) return Invalid(f, "csv, jsonl, parquet or text", value);
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
      st->follow_given = true;
      return absl::OkStatus();
    case FlagId::kMaxBody:
      return ParseIntFlag(f, value, 0, kMaxBodyBytes, &c->max_body);
    case FlagId::kCaptureHeader: {
      // An HTTP field name (RFC 9110 token), matched without regard to case; named twice, one column.
      if (value.size() > ExtraColumns::kMaxHeaderNameBytes || !IsToken(value)) {
        return Invalid(f, "an HTTP header name", value);
      }
      std::string name = Lower(value);
      std::vector<std::string>& names = c->extra_columns.header_names;
      if (names.size() >= kMaxCapturedHeaders) {
        return absl::InvalidArgumentError(absl::StrCat(FlagName(f), ": at most ", kMaxCapturedHeaders, " headers"));
      }
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
      return absl::OkStatus();
    }
    case FlagId::kResolver: {
      Endpoint e;
      if (!ParseEndpoint(value, kDefaultDnsPort, &e)) return Invalid(f, "IP, IP:PORT or [IPv6]:PORT", value);
      c->resolvers.push_back(std::move(e));
      return absl::OkStatus();
    }
    case FlagId::kProxy:
      st->proxy = std::string(value);
      return absl::OkStatus();
    case FlagId::kProxyAuth:
      if (!ParseChoice(value, kProxyAuthModes, &c->proxy_auth_mode)) {
        return Invalid(f, "any, basic, digest or ntlm", value);
      }
      return absl::OkStatus();
    case FlagId::kProxyFile:
      st->proxy_file = std::string(value);
      return absl::OkStatus();
    case FlagId::kProxyRotate:
      if (!ParseChoice(value, kProxyRotates, &c->proxy_rotate)) return Invalid(f, "host or url", value);
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
    case FlagId::kMetricsListen:
      return ParseMetricsListen(f, value, c);
    case FlagId::kSchemeLess:
      if (!ParseSchemeLess(value, &c->scheme_less)) {
        return Invalid(f, "https, http, or both in the order to try them (https,http)", value);
      }
      return absl::OkStatus();
    case FlagId::kShardBy:
      if (!ParseChoice(value, kShardBys, &c->shard_by)) return Invalid(f, "host or line", value);
      return absl::OkStatus();
    case FlagId::kParquetCompression:
      if (!ParseChoice(value, kCompressions, &c->parquet_compression)) {
        return Invalid(f, "zstd, snappy or none", value);
      }
      return absl::OkStatus();
    case FlagId::kIpVersion:
      if (!ParseChoice(value, kIpVersions, &c->ip_version)) return Invalid(f, "4, 6 or any", value);
      return absl::OkStatus();
    case FlagId::kFailOn:
      return ParseFailOn(f, value, &c->fail_on);
    case FlagId::kCompress: {
      OutputCompression compression = OutputCompression::kNone;
      if (!OutputCompressionFromName(Lower(value), &compression)) return Invalid(f, "gzip, zstd or none", value);
      st->compress = compression;
      return absl::OkStatus();
    }
    case FlagId::kHead:
    case FlagId::kBodyHash:
    case FlagId::kLocation:
    case FlagId::kInsecure:
    case FlagId::kProxyInsecure:
    case FlagId::kIpv4:
    case FlagId::kIpv6:
    case FlagId::kHttp2:
    case FlagId::kHttp11:
    case FlagId::kHttp2PriorKnowledge:
    case FlagId::kResume:
    case FlagId::kQuiet:
    case FlagId::kProgress:
    case FlagId::kSummary:
    case FlagId::kProgressJson:
    case FlagId::kVersion:
    case FlagId::kHelp:
      break;
  }
  return absl::InternalError(absl::StrCat(FlagName(f), ": unhandled flag"));
}

void ApplySwitch(FlagId id, Config* c, ParseState* st) {
  switch (id) {
    case FlagId::kHead:
      c->method = HttpMethod::kHead;
      break;
    case FlagId::kLocation:
      st->location = true;
      break;
    case FlagId::kInsecure:
      c->tls_verify = TlsVerifyMode::kOff;
      break;
    case FlagId::kProxyInsecure:
      c->proxy_insecure = true;
      break;
    case FlagId::kIpv4:
      c->ip_version = IpVersion::kV4;
      break;
    case FlagId::kIpv6:
      c->ip_version = IpVersion::kV6;
      break;
    case FlagId::kHttp2:
      c->http_version = HttpVersionMode::kHttp2;
      break;
    case FlagId::kHttp11:
      c->http_version = HttpVersionMode::kHttp11;
      break;
    case FlagId::kHttp2PriorKnowledge:
      c->http_version = HttpVersionMode::kHttp2PriorKnowledge;
      break;
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
    case FlagId::kProgressJson:
      c->progress_json = true;
      break;
    case FlagId::kBodyHash:
      c->extra_columns.body_sha256 = true;
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
        absl::StrCat(ToAbsl(flag), ": cannot read ", Quoted(path), ": ", std::generic_category().message(err)));
  }
  struct stat st;
  bool is_dir = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  ::close(fd);
  if (is_dir) {
    return absl::InvalidArgumentError(
        absl::StrCat(ToAbsl(flag), ": cannot read ", Quoted(path), ": it is a directory"));
  }
  return absl::OkStatus();
}

// --format text, the lines for people, is the default where people read the rows: standard output that
// is a terminal. Everywhere else (a file, a pipe) the default stays a format for programs.
bool TextIsTheDefault(const Config& c, bool stdout_is_terminal) {
  return c.output == "-" && stdout_is_terminal;
}

// The output's format and compression. --format, or else the extension of --output (any case; none, or
// standard output: CSV; one no format goes by: an error, before any file is created). --compress, or
// else the name's .gz or .zst ending. Parquet compresses inside the file: --compress, or a compressed
// name, with it is an error.
absl::Status ResolveOutputEncoding(const ParseState& st, bool stdout_is_terminal, Config* c) {
  const std::string name = Lower(c->output);
  const OutputName parsed = c->output == "-" ? OutputName{} : ParseOutputName(name);
  if (!st.format_given && TextIsTheDefault(*c, stdout_is_terminal)) {
    c->format = OutputFormat::kText;
  } else if (!st.format_given) {
    if (parsed.kind == OutputName::Kind::kUnknownExtension) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--output ", Quoted(c->output), ": no format goes by the extension ", Quoted(parsed.extension),
          "; name it .csv, .jsonl, .ndjson, .json or .parquet (.gz or .zst may follow the text ones), or "
          "give --format"));
    }
    c->format = parsed.kind == OutputName::Kind::kFormat ? parsed.format : OutputFormat::kCsv;
  }
  c->compression = st.compress.value_or(parsed.compression);
  if (!OutputFormatIsStreamed(c->format)) {
    const std::string_view format = OutputFormatName(c->format);
    if (st.compress.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--compress does not apply to --format ", ToAbsl(format),
          c->format == OutputFormat::kText ? ", lines for people"
                                           : ", which compresses inside the file (--parquet-compression)"));
    }
    if (c->compression != OutputCompression::kNone) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--output ", Quoted(c->output), " names a ", ToAbsl(OutputCompressionName(c->compression)),
          " stream, but --format ", ToAbsl(format),
          c->format == OutputFormat::kText ? " is lines for people" : " compresses inside the file (--parquet-compression)"));
    }
  }
  return absl::OkStatus();
}

// The name and value of a flag as flags_text shows them, secrets masked: "--name=value" or "-xvalue"
// as one word when they were one argument, else two words.
void ShowFlag(const FlagToken& t, std::vector<std::string>* shown) {
  const FlagId id = IdOf(*t.flag);
  if (!t.flag->takes_value) {
    shown->emplace_back(t.name);
  } else if (t.value_attached) {
    const bool is_long = t.name.size() > 2 && t.name[1] == '-';
    shown->push_back(ShellQuote(absl::StrCat(ToAbsl(t.name), is_long ? "=" : "", MaskedValue(id, t.value))));
  } else {
    shown->emplace_back(t.name);
    shown->push_back(ShellQuote(MaskedValue(id, t.value)));
  }
}

int ResolveThreads(int64_t requested) {
  if (requested > 0) return static_cast<int>(requested);
  int64_t cores = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp<int64_t>(cores, 1, kMaxThreads));
}

}  // namespace

std::span<const FlagSpec> ScanFlags() { return kFlags; }

absl::StatusOr<ParsedArgs> ParseArgs(int argc, const char* const* argv, EnvLookup env, bool stdout_is_terminal) {
  ParsedArgs parsed;
  Config& c = parsed.config;
  c.user_agent = absl::StrCat("urlsweep/", kVersion);
  ParseState st;
  std::vector<std::string> shown;  // flags_text words
  FlagTokenizer tokens(argc, argv, kFlags, FlagSyntax{});
  FlagToken t;
  while (tokens.Next(&t)) {
    switch (t.kind) {
      case FlagToken::Kind::kOperand:
        if (t.text.empty()) return absl::InvalidArgumentError("an input FILE argument is empty");
        c.inputs.emplace_back(t.text);
        shown.push_back(ShellQuote(t.text));
        continue;
      case FlagToken::Kind::kEndOfFlags:
        shown.emplace_back("--");
        continue;
      case FlagToken::Kind::kUnknownFlag:
        // Only the name is quoted back: the text after '=' may be a secret.
        return absl::InvalidArgumentError(absl::StrCat("unknown flag ", ToAbsl(t.name), " (see --help)"));
      case FlagToken::Kind::kUnexpectedValue:
        return absl::InvalidArgumentError(absl::StrCat(FlagName(*t.flag), " takes no value"));
      case FlagToken::Kind::kMissingValue:
        return absl::InvalidArgumentError(absl::StrCat(FlagName(*t.flag), " needs a value"));
      case FlagToken::Kind::kShortFlagEquals: {
        // getopt(3) would make "-o=out.csv" write a file named "=out.csv": say what was meant instead.
        const std::string value = MaskedValue(IdOf(*t.flag), t.value);
        return absl::InvalidArgumentError(absl::StrCat(ToAbsl(t.name), "=", value, ": write ", ToAbsl(t.name), " ",
                                                       value, " or ", FlagName(*t.flag), "=", value));
      }
      case FlagToken::Kind::kFlag:
        break;
    }
    const FlagSpec& f = *t.flag;
    ShowFlag(t, &shown);
    if (!f.takes_value) {
      if (IdOf(f) == FlagId::kHelp) {
        parsed.action = ParsedArgs::Action::kHelp;
        return parsed;
      }
      if (IdOf(f) == FlagId::kVersion) {
        parsed.action = ParsedArgs::Action::kVersion;
        return parsed;
      }
      ApplySwitch(IdOf(f), &c, &st);
      continue;
    }
    if (absl::Status s = ApplyValue(f, t.value, &c, &st); !s.ok()) return s;
  }

  c.threads = ResolveThreads(st.threads_requested);
  if (absl::Status s = ResolveOutputEncoding(st, stdout_is_terminal, &c); !s.ok()) return s;
  if (st.location && !st.follow_given) c.follow = kLocationRedirects;
  // Text lines on the terminal are the progress: a progress line on the same screen would be cut
  // into by every line written. --progress still forces it.
  if (c.format == OutputFormat::kText && c.output == "-" && stdout_is_terminal && c.progress == ProgressMode::kAuto) {
    c.progress = ProgressMode::kOff;
  }
  if (c.resume && c.output == "-") {
    return absl::InvalidArgumentError("--resume needs --output FILE: standard output cannot be resumed");
  }
  if (!c.ca_file.empty()) {
    if (absl::Status s = CheckReadableFile("--ca-file", c.ca_file); !s.ok()) return s;
  }
  if (!c.exclude_file.empty()) {
    if (absl::Status s = CheckReadableFile("--exclude", c.exclude_file); !s.ok()) return s;
  }
  if (st.proxy_file.has_value()) {
    // A pool replaces --proxy and the environment's proxies alike.
    if (st.proxy.has_value()) return absl::InvalidArgumentError("--proxy-file and --proxy: give one of them");
    if (absl::Status s = CheckReadableFile("--proxy-file", *st.proxy_file); !s.ok()) return s;
    std::ifstream file(*st.proxy_file, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (!file.good() && !file.eof()) return absl::InvalidArgumentError("--proxy-file: cannot read the file");
    if (absl::Status s = ParseProxyList(text, &c.proxy_pool); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--proxy-file: ", s.message()));
    }
  } else if (absl::Status s = ResolveProxies(st.proxy, env, &c); !s.ok()) {
    return s;
  }
  c.flags_text = absl::StrJoin(shown, " ");
  return parsed;
}

}  // namespace urlsweep
