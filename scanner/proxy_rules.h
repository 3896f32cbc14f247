// Which proxy one URL goes through: --proxy, or without it http_proxy for http URLs and
// https_proxy/HTTPS_PROXY for https URLs, except the hosts no_proxy/NO_PROXY lists (docs/https.md).
// Pure: the environment is read only through the EnvLookup a caller passes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/options.h"

namespace urlsweep {

// Looks up an environment variable (nullptr result = unset); a parameter so tests need not touch the
// real environment.
using EnvLookup = const char* (*)(const char* name);

// Parses http://[user:password@]host[:port][/...]; a value without a scheme is taken as http://, a
// missing or empty port is 1080 (as curl), the path is ignored. The error says what is wrong and never
// quotes the value: it may hold credentials.
absl::Status ParseProxyUrl(std::string_view url, ProxySpec* out);

// The proxy URL with its credentials replaced by "***" (for Config::flags_text).
std::string MaskProxyUrl(std::string_view url);

// Fills config->http_proxy, https_proxy, no_proxy and no_proxy_all. `proxy_flag` is the value of
// --proxy when given: it applies to both schemes and the environment is not read ('' = no proxy at all).
// Errors are one line naming the flag or variable.
absl::Status ResolveProxies(const std::optional<std::string>& proxy_flag, EnvLookup env, Config* config);

// The most proxies a --proxy-file may hold (a task keeps the index in 16 bits).
inline constexpr size_t kMaxProxyPool = 10000;

// A --proxy-file's text: one proxy URL a line (any kind ParseProxyUrl takes), '#' starts a comment,
// blank lines skipped. At least one proxy. Errors name the line number, never its text.
absl::Status ParseProxyList(std::string_view text, std::vector<ProxySpec>* out);

// The proxy for one URL; nullptr = connect directly. `host` is the lower-case ASCII host name or IP
// literal of the URL (no brackets). no_proxy entries match the name and its subdomains, an equal IP
// literal or a CIDR block holding it. Pure and cheap: called once per URL.
const ProxySpec* ProxyFor(const Config& config, bool https, std::string_view host);

}  // namespace urlsweep
