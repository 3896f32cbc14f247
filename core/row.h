// Row: one output row, the documented columns (docs/output.md). Every writer
// (CSV, JSON Lines, Parquet) encodes exactly these fields in exactly this order.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.h"

namespace urlsweep {

// A string column that may be absent (empty CSV field, JSON null, Parquet null). Unlike
// std::optional<std::string>, Clear() keeps the capacity so a pooled Row is refilled without allocating.
class OptString {
 public:
  void Set(std::string_view v) {
    value_.assign(v.data(), v.size());
    present_ = true;
  }
  void Clear() {
    value_.clear();
    present_ = false;
  }
  bool has_value() const { return present_; }
  std::string_view view() const { return value_; }
  // Direct access for incremental fills; the caller sets presence with MarkPresent().
  std::string* mutable_value() { return &value_; }
  void MarkPresent() { present_ = true; }

 private:
  std::string value_;
  bool present_ = false;
};

struct Row {
  int64_t line = 0;                    // 1-based line number across all inputs
  std::string url;                     // the URL as read (trimmed); always present
  OptString final_url;                 // absolute URL whose response is reported (punycode host)
  OptString host;                      // host of final_url, lower case, IPv6 literal in brackets
  OptString ip;                        // address connected to (the proxy's when proxied)
  std::optional<int32_t> port;         // port connected to
  std::optional<int32_t> status;       // HTTP status of the reported response
  OptString reason;                    // reason phrase
  OptString http_version;              // "1.0" or "1.1"
  ErrorCode error = ErrorCode::kNone;  // kNone = absent
  OptString error_detail;              // short human-readable detail for error
  int32_t redirects = 0;               // redirects followed
  OptString location;                  // Location header
  OptString content_type;              // Content-Type header
  std::optional<int64_t> content_length;  // Content-Length header
  OptString server;                       // Server header
  OptString title;                        // HTML <title> text within the bytes read
  std::optional<int64_t> body_bytes;      // body bytes read (after chunked decoding), <= --max-body
  OptString tls_version;                  // e.g. "TLSv1.3"
  OptString tls_verify;                   // "ok" or the reason verification failed
  std::optional<int64_t> cert_not_after_us;  // leaf expiry, microseconds since the Unix epoch (UTC)
  int32_t attempts = 0;                      // attempts made (1 + retries used); 0 when none was made
  std::optional<double> dns_ms;
  std::optional<double> connect_ms;
  std::optional<double> tls_ms;
  std::optional<double> ttfb_ms;
  std::optional<double> total_ms;
  std::optional<int64_t> started_at_us;  // first attempt start, microseconds since the Unix epoch (UTC)
  OptString proxy;                       // proxy used, scheme://host:port (never credentials)
  OptString proxy_auth;                  // scheme used with the proxy, or on a 407 the schemes it offered
  // The run's optional columns (ExtraColumns): one value per --capture-header, in flag order, then the
  // body hash. `headers` may be shorter than the run's list; the missing ones are absent.
  std::vector<OptString> headers;
  OptString body_sha256;  // hex SHA-256 of the body bytes read (--body-hash)

  // Back to the state of a new Row, keeping string capacity.
  void Clear();
};

// Names of the columns every run writes, in the order of docs/output.md: the CSV header, the JSON keys,
// the Parquet schema. The run's optional columns (ExtraColumns) follow them.
inline constexpr std::array<std::string_view, 30> kColumnNames = {
    "line",         "url",          "final_url",      "host",        "ip",          "port",
    "status",       "reason",       "http_version",   "error",       "error_detail", "redirects",
    "location",     "content_type", "content_length", "server",      "title",       "body_bytes",
    "tls_version",  "tls_verify",   "cert_not_after", "attempts",    "dns_ms",      "connect_ms",
    "tls_ms",       "ttfb_ms",      "total_ms",       "started_at",  "proxy",       "proxy_auth",
};

// The columns a run adds after the fixed ones, as its flags ask: `header_<name>` per --capture-header
// (in flag order), then `body_sha256` with --body-hash. All are optional strings.
struct ExtraColumns {
  // Longest name --capture-header takes: no real field name comes near it.
  static constexpr size_t kMaxHeaderNameBytes = 64;

  std::vector<std::string> header_names;  // HTTP field names, lower case, as matched in responses
  bool body_sha256 = false;

  // No optional columns: what writers use when the run asks for none.
  static const ExtraColumns& None() {
    static const ExtraColumns kNone;
    return kNone;
  }
  size_t size() const { return header_names.size() + (body_sha256 ? 1 : 0); }
  // Column name of extra column `i` (0 <= i < size()): `header_` + the field name with '-' as '_', or
  // `body_sha256`.
  std::string Name(size_t i) const {
    if (i >= header_names.size()) return "body_sha256";
    std::string name = "header_" + header_names[i];
    for (char& c : name) {
      if (c == '-') c = '_';
    }
    return name;
  }
};

inline void Row::Clear() {
  line = 0;
  url.clear();
  final_url.Clear();
  host.Clear();
  ip.Clear();
  port.reset();
  status.reset();
  reason.Clear();
  http_version.Clear();
  error = ErrorCode::kNone;
  error_detail.Clear();
  redirects = 0;
  location.Clear();
  content_type.Clear();
  content_length.reset();
  server.Clear();
  title.Clear();
  body_bytes.reset();
  tls_version.Clear();
  tls_verify.Clear();
  cert_not_after_us.reset();
  attempts = 0;
  dns_ms.reset();
  connect_ms.reset();
  tls_ms.reset();
  ttfb_ms.reset();
  total_ms.reset();
  started_at_us.reset();
  proxy.Clear();
  proxy_auth.Clear();
  for (OptString& header : headers) header.Clear();
  body_sha256.Clear();
}

}  // namespace urlsweep
