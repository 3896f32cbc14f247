// The error vocabulary of the output's `error` column: the words users and pipelines see, their names,
// and which of them --retries treats as transient. Pure; the mapping of foreign error codes (libuv,
// c-ares, OpenSSL, llhttp) to these words is core/error_map.h, the only place that does it.
#pragma once

#include <cstdint>
#include <string_view>

namespace urlsweep {

// X(enumerator, documented word). The words are those of docs/errors.md and must never be renamed: add,
// don't rename.
#define URLSWEEP_ERROR_CODES(X)                  \
  X(kNone, "")                                   \
  X(kInvalidUrl, "invalid_url")                  \
  X(kExcluded, "excluded")                       \
  X(kDnsNxdomain, "dns_nxdomain")                \
  X(kDnsNodata, "dns_nodata")                    \
  X(kDnsServfail, "dns_servfail")                \
  X(kDnsTimeout, "dns_timeout")                  \
  X(kDnsError, "dns_error")                      \
  X(kConnectRefused, "connect_refused")          \
  X(kConnectTimeout, "connect_timeout")          \
  X(kConnectUnreachable, "connect_unreachable")  \
  X(kConnectReset, "connect_reset")              \
  X(kTlsError, "tls_error")                      \
  X(kTlsTimeout, "tls_timeout")                  \
  X(kTlsVerify, "tls_verify")                    \
  X(kProxyAuthRequired, "proxy_auth_required")   \
  X(kProxyError, "proxy_error")                  \
  X(kWriteError, "write_error")                  \
  X(kReadTimeout, "read_timeout")                \
  X(kReadReset, "read_reset")                    \
  X(kEmptyResponse, "empty_response")            \
  X(kBadResponse, "bad_response")                \
  X(kRedirectLoop, "redirect_loop")              \
  X(kTooManyRedirects, "too_many_redirects")     \
  X(kTimeout, "timeout")

enum class ErrorCode : uint8_t {
#define URLSWEEP_ERROR_ENUM(name, word) name,
  URLSWEEP_ERROR_CODES(URLSWEEP_ERROR_ENUM)
#undef URLSWEEP_ERROR_ENUM
};

inline constexpr int kErrorCodeCount = 0
#define URLSWEEP_ERROR_COUNT(name, word) +1
    URLSWEEP_ERROR_CODES(URLSWEEP_ERROR_COUNT)
#undef URLSWEEP_ERROR_COUNT
    ;

// The documented word (docs/errors.md); "" for kNone. The returned view points to static storage.
std::string_view ErrorName(ErrorCode code);

// Parses a documented word back (used by --resume and the report); false when unknown.
bool ErrorFromName(std::string_view word, ErrorCode* code);

// Whether --retries applies (docs/errors.md: dns_timeout, dns_servfail, connect_timeout, connect_reset,
// tls_timeout, and read_reset/empty_response before any response byte; the caller checks "before any byte").
bool IsTransient(ErrorCode code);

// A classified failure: the documented word and a short static detail text (never allocated on the hot path).
struct ErrorInfo {
  ErrorCode code = ErrorCode::kNone;
  const char* detail = "";
};

// The stage in which a foreign error happened decides the word: ECONNRESET while connecting is
// connect_reset, while reading read_reset, and so on.
enum class IoStage : uint8_t { kConnect, kTlsHandshake, kWrite, kRead };

}  // namespace urlsweep
