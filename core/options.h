// Config: what one run was asked to do, validated (scanner/config.h parses the command line into it).
// The shared vocabulary of every layer: the resolver, the HTTP pieces and the writers read their part of
// it. Pure: plain data, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/endpoint.h"
#include "core/errors.h"
#include "core/output_format.h"
#include "core/row.h"
#include "core/version.h"

namespace urlsweep {

enum class HttpMethod { kGet, kHead };
enum class TlsVerifyMode { kReport, kStrict, kOff };
enum class ProgressMode { kAuto, kOn, kOff };
enum class ParquetCompression { kZstd, kSnappy, kNone };
// -4 / -6 / --ip-version: which address family names resolve to and connections use.
enum class IpVersion { kAny, kV4, kV6 };

// --fail-on LIST: which rows make a finished run exit 2. Empty: none.
struct FailOn {
  bool any_error = false;               // `error`
  std::vector<ErrorCode> errors;        // error words
  // Inclusive status ranges: `4xx` is {400, 499}, `404` is {404, 404}.
  std::vector<std::pair<int, int>> statuses;

  bool empty() const { return !any_error && errors.empty() && statuses.empty(); }
};

// Which HTTP versions are spoken: --http2 (default: https offers h2 and http/1.1 by ALPN, http speaks
// HTTP/1.1), --http1.1 (HTTP/1.1 only), --http2-prior-knowledge (also http URLs speak HTTP/2 at once).
enum class HttpVersionMode { kHttp2, kHttp11, kHttp2PriorKnowledge };

// --shard-by: what picks a line's shard (docs/resume-and-shards.md).
enum class ShardBy { kHost, kLine };

// What a proxy speaks (docs/proxies.md): HTTP, HTTP inside TLS to the proxy, SOCKS5 with the name resolved by urlsweep, or SOCKS5
// with the name sent to the proxy (socks5h).
// ParseProxyUrl names them in this order (the `proxy` column's scheme).
enum class ProxyKind : uint8_t { kHttp, kHttps, kSocks5, kSocks5h };

// --proxy-rotate: which proxy of a --proxy-file pool a URL goes through: by a hash of its host name,
// or the next one in turn for each URL.
enum class ProxyRotate : uint8_t { kHost, kUrl };

// A proxy from --proxy, --proxy-file or the environment: scheme://[user:password@]host:port.
struct ProxySpec {
  ProxyKind kind = ProxyKind::kHttp;
  std::string host;  // name or IP literal (no brackets)
  uint16_t port = 0;
  std::string user;      // percent-decoded
  std::string password;  // percent-decoded
  bool has_credentials = false;
  // The `proxy` column: scheme://host:port, lower case, IPv6 in brackets, never the credentials.
  std::string column;
};

// --proxy-auth: which scheme answers an HTTP proxy's 407 (docs/proxies.md). kAny sends no credentials
// until the proxy's challenge names what it accepts, then the strongest scheme urlsweep speaks.
enum class ProxyAuthMode : uint8_t { kAny, kBasic, kDigest, kNtlm };

// --scheme-less: the scheme(s) a line without one is tried with, in order (scanner/scheme_fallback.h).
enum class SchemeLess : uint8_t { kHttp, kHttps, kHttpsThenHttp, kHttpThenHttps };

struct Config {
  std::vector<std::string> inputs;  // "-" is standard input; empty means standard input
  std::string output = "-";         // "-" is standard output
  OutputFormat format = OutputFormat::kCsv;
  // The text output's whole stream compressed (--compress, or a .gz/.zst --output name); kNone for Parquet.
  OutputCompression compression = OutputCompression::kNone;
  int concurrency = 1024;
  int per_host = 8;
  double rate = 0;  // new requests per second, 0 = no cap
  int threads = 1;  // resolved: never 0 after parsing (0 on the command line = one per core)
  HttpMethod method = HttpMethod::kGet;
  std::vector<std::pair<std::string, std::string>> headers;  // -H 'Name: value', in order
  std::string user_agent;                                    // default "urlsweep/<version>"
  double timeout_s = 10;
  double connect_timeout_s = 5;
  double read_timeout_s = 10;
  double dns_timeout_s = 5;
  int retries = 1;
  int follow = 0;
  SchemeLess scheme_less = SchemeLess::kHttp;
  IpVersion ip_version = IpVersion::kAny;
  HttpVersionMode http_version = HttpVersionMode::kHttp2;
  int64_t max_body = 65536;
  // Optional output columns: --capture-header NAME (repeatable, lower case, duplicates dropped) and
  // --body-hash.
  ExtraColumns extra_columns;
  std::vector<Endpoint> resolvers;  // empty: those of /etc/resolv.conf
  // Proxies, resolved once by ParseArgs from --proxy or, without it, the environment (docs/flags.md:
  // http_proxy for http URLs, https_proxy/HTTPS_PROXY for https URLs, no_proxy/NO_PROXY exceptions).
  // `--proxy ''` leaves both empty. With --proxy both hold the same proxy and no_proxy is ignored.
  std::optional<ProxySpec> http_proxy;
  std::optional<ProxySpec> https_proxy;
  // --proxy-file: the pool, in file order (empty without it; then http_proxy/https_proxy are empty too).
  std::vector<ProxySpec> proxy_pool;
  ProxyRotate proxy_rotate = ProxyRotate::kHost;
  // --proxy-insecure: the TLS of https:// proxies is not verified (it is, against the origins' trust,
  // whatever --tls-verify says).
  bool proxy_insecure = false;
  std::vector<std::string> no_proxy;  // lower case, leading '.' removed
  bool no_proxy_all = false;          // no_proxy=*
  ProxyAuthMode proxy_auth_mode = ProxyAuthMode::kAny;
  std::string ca_file;
  TlsVerifyMode tls_verify = TlsVerifyMode::kReport;
  std::string exclude_file;
  int shard_index = 0;
  int shard_count = 1;
  bool resume = false;
  ProgressMode progress = ProgressMode::kAuto;
  bool summary = false;
  // Progress for machines: --progress-json (JSON lines on standard error), --metrics-listen (Prometheus
  // text on GET /metrics while the run lasts; nullopt = no listener), --shard-by.
  bool progress_json = false;
  std::optional<Endpoint> metrics_listen;
  ShardBy shard_by = ShardBy::kHost;
  ParquetCompression parquet_compression = ParquetCompression::kZstd;
  FailOn fail_on;
  // The flags as given, with secrets (proxy credentials, header values of Authorization /
  // Proxy-Authorization / Cookie) masked: for Parquet key-value metadata.
  std::string flags_text;
};

}  // namespace urlsweep
