#include "scanner/run_identity.h"

#include <charconv>
#include <optional>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/output_format.h"
#include "core/text.h"
#include "scanner/sha256.h"

namespace urlsweep {
namespace {

// Debian's Abseil has its own absl::string_view (see config.cc's Av).

// Header values that are credentials (RFC 9110 section 11.6.2 and 11.7.2; RFC 6265 section 5.4).
constexpr std::string_view kSecretHeaders[] = {"authorization", "proxy-authorization", "cookie"};

bool IsSecretHeader(std::string_view name) {
  for (std::string_view secret : kSecretHeaders) {
    if (EqualsIgnoreCase(name, secret)) return true;
  }
  return false;
}

std::string Secret(const std::string& salt, std::string_view value) {
  return absl::StrCat(kSecretDigestPrefix, SaltedSha256Hex(salt, value));
}

// The shortest text that reads back as the same double (so 0.1 stays "0.1").
std::string Number(double value) {
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return ec == std::errc() ? std::string(buffer, end) : absl::StrCat(value);
}

std::string HostPort(const std::string& host, uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return absl::StrCat(ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":", port);
}

std::string Proxy(const std::optional<ProxySpec>& proxy, const std::string& salt) {
  if (!proxy.has_value()) return "";
  std::string out;
  if (proxy->has_credentials) {
    // One digest of both parts: the ':' keeps "ab" + "c" apart from "a" + "bc".
    out = absl::StrCat(Secret(salt, absl::StrCat(proxy->user, ":", proxy->password)), "@");
  }
  return absl::StrCat(out, HostPort(proxy->host, proxy->port));
}

const char* TlsVerifyName(TlsVerifyMode m) {
  switch (m) {
    case TlsVerifyMode::kReport:
      return "report";
    case TlsVerifyMode::kStrict:
      return "strict";
    case TlsVerifyMode::kOff:
      return "off";
  }
  return "?";
}

// How a message names the flag behind `key`.
std::string FlagName(std::string_view key) {
  if (key == "proxy-http") return "the proxy for http URLs (--proxy or http_proxy)";
  if (key == "proxy-https") return "the proxy for https URLs (--proxy, https_proxy or HTTPS_PROXY)";
  if (key == "no-proxy") return "no_proxy";
  if (key == "http-version") return "the HTTP version (--http2, --http1.1 or --http2-prior-knowledge)";
  return absl::StrCat("--", ToAbsl(key));
}

// A value as a message shows it: list items separated by ", ", an item with white space in quotes,
// every digested secret as "***", nothing as "(none)".
std::string Shown(std::string_view value) {
  if (value.empty()) return "(none)";
  std::vector<std::string> items;
  for (absl::string_view item : absl::StrSplit(ToAbsl(value), '\n')) {
    std::string text;
    while (true) {
      size_t at = item.find(kSecretDigestPrefix);
      if (at == absl::string_view::npos) break;
      size_t end = at + sizeof(kSecretDigestPrefix) - 1;
      while (end < item.size() && absl::ascii_isxdigit(static_cast<unsigned char>(item[end]))) ++end;
      absl::StrAppend(&text, item.substr(0, at), "***");
      item.remove_prefix(end);
    }
    absl::StrAppend(&text, item);
    const bool quote = text.find_first_of(" \t") != std::string::npos;
    items.push_back(quote ? absl::StrCat("'", text, "'") : text);
  }
  return absl::StrJoin(items, ", ");
}

std::string FlagDifference(const IdentityFlag& now, const IdentityFlag& then) {
  const std::string shown_now = Shown(now.value);
  const std::string shown_then = Shown(then.value);
  if (shown_now == shown_then) {
    return absl::StrCat(FlagName(now.key), " differs from the interrupted run's (secret values are not shown)");
  }
  return absl::StrCat(FlagName(now.key), " is ", shown_now, " here but was ", shown_then, " in the interrupted run");
}

std::string SizeText(int64_t size) {
  return size < 0 ? "not a regular file" : absl::StrCat("a regular file of ", size, " bytes");
}

}  // namespace

std::string InputDisplayName(const std::string& path) {
  return path == "-" ? "standard input" : absl::StrCat("'", path, "'");
}

RunIdentity IdentityOf(const Config& c, std::vector<InputIdentity> inputs, const std::string& salt) {
  RunIdentity id;
  id.salt = salt;
  id.inputs = std::move(inputs);
  auto add = [&](const char* key, std::string value) { id.flags.push_back({key, std::move(value)}); };
  add("format", std::string(OutputFormatName(c.format)));
  // A resumed file continues the stream it holds: gzip members after plain rows would make neither.
  add("compress", std::string(OutputCompressionName(c.compression)));
  add("per-host", absl::StrCat(c.per_host));
  add("method", c.method == HttpMethod::kHead ? "HEAD" : "GET");
  std::vector<std::string> headers;
  for (const auto& [name, value] : c.headers) {
    headers.push_back(absl::StrCat(name, ": ", IsSecretHeader(name) ? Secret(salt, value) : value));
  }
  add("header", absl::StrJoin(headers, "\n"));
  add("user-agent", c.user_agent);
  add("timeout", Number(c.timeout_s));
  add("connect-timeout", Number(c.connect_timeout_s));
  add("read-timeout", Number(c.read_timeout_s));
  add("dns-timeout", Number(c.dns_timeout_s));
  add("retries", absl::StrCat(c.retries));
  add("follow", absl::StrCat(c.follow));
  add("max-body", absl::StrCat(c.max_body));
  std::vector<std::string> resolvers;
  for (const Endpoint& e : c.resolvers) resolvers.push_back(HostPort(e.ip, e.port));
  add("resolver", absl::StrJoin(resolvers, "\n"));
  add("proxy-http", Proxy(c.http_proxy, salt));
  add("proxy-https", Proxy(c.https_proxy, salt));
  add("no-proxy", c.no_proxy_all ? "*" : absl::StrJoin(c.no_proxy, "\n"));
  add("ca-file", c.ca_file);
  add("tls-verify", TlsVerifyName(c.tls_verify));
  add("exclude", c.exclude_file);
  add("shard", absl::StrCat(c.shard_index, "/", c.shard_count));
  add("shard-by", c.shard_by == ShardBy::kLine ? "line" : "host");
  // The HTTP version changes what rows hold (http_version, reason). The default is not recorded, so a
  // journal written before the flags existed still matches a run without them.
  if (c.http_version != HttpVersionMode::kHttp2) {
    add("http-version", c.http_version == HttpVersionMode::kHttp11 ? "--http1.1" : "--http2-prior-knowledge");
  }
  add("ip-version", c.ip_version == IpVersion::kV4 ? "4" : c.ip_version == IpVersion::kV6 ? "6" : "any");
  // Recorded only when not the default, so journals written before the flag existed still resume.
  if (c.proxy_auth_mode != ProxyAuthMode::kAny) {
    add("proxy-auth", c.proxy_auth_mode == ProxyAuthMode::kBasic    ? "basic"
                      : c.proxy_auth_mode == ProxyAuthMode::kDigest ? "digest"
                                                                    : "ntlm");
  }
  if (c.scheme_less != SchemeLess::kHttp) {
    add("scheme-less", c.scheme_less == SchemeLess::kHttps           ? "https"
                       : c.scheme_less == SchemeLess::kHttpsThenHttp ? "https,http"
                                                                     : "http,https");
  }
  return id;
}

std::string FirstDifference(const RunIdentity& current, const RunIdentity& recorded) {
  for (const IdentityFlag& now : current.flags) {
    const IdentityFlag* then = nullptr;
    for (const IdentityFlag& f : recorded.flags) {
      if (f.key == now.key) then = &f;
    }
    if (then == nullptr) {
      return absl::StrCat(FlagName(now.key), " is ", Shown(now.value),
                          " here but the interrupted run did not record it");
    }
    if (then->value != now.value) return FlagDifference(now, *then);
  }
  for (const IdentityFlag& then : recorded.flags) {
    bool known = false;
    for (const IdentityFlag& f : current.flags) known = known || f.key == then.key;
    if (!known) {
      return absl::StrCat("the interrupted run recorded ", FlagName(then.key), " (", Shown(then.value),
                          "), which this urlsweep does not know");
    }
  }
  const size_t common = std::min(current.inputs.size(), recorded.inputs.size());
  for (size_t i = 0; i < common; ++i) {
    const InputIdentity& now = current.inputs[i];
    const InputIdentity& then = recorded.inputs[i];
    if (now.path != then.path) {
      return absl::StrCat("input ", i + 1, " is ", InputDisplayName(now.path), " here but was ",
                          InputDisplayName(then.path), " in the interrupted run");
    }
    if (now.size != then.size) {
      return absl::StrCat(InputDisplayName(now.path), " is ", SizeText(now.size), " here but was ",
                          SizeText(then.size), " in the interrupted run");
    }
  }
  if (current.inputs.size() > common) {
    return absl::StrCat("input ", common + 1, " (", InputDisplayName(current.inputs[common].path),
                        ") was not an input of the interrupted run");
  }
  if (recorded.inputs.size() > common) {
    return absl::StrCat("the interrupted run also read input ", common + 1, " (",
                        InputDisplayName(recorded.inputs[common].path), "), missing here");
  }
  return "";
}

}  // namespace urlsweep
