#include "scanner/proxy_rules.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/endpoint.h"
#include "core/host_match.h"
#include "core/ip_address.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// Like curl, a proxy URL without a port means 1080.
constexpr uint16_t kDefaultProxyPort = 1080;
constexpr uint16_t kDefaultHttpsProxyPort = 443;
// RFC 1035 section 2.3.4: a domain name has at most 253 characters in text form.
constexpr size_t kMaxHostName = 253;

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(ToAbsl(s)); }

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

// The value of the first of `a` and `b` (either may be nullptr) that is set and not empty, its name in
// *which; nullptr when neither is.
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

// Comma-separated entries: '*' (every host), names (a leading '.' and one trailing '.' dropped, lower
// case), IP literals (kept in canonical text, so "::0:1" and "::1" compare equal; brackets dropped) and
// CIDR blocks (kept as written, parsed when matched).
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
    IpAddress ip;
    char canonical[INET6_ADDRSTRLEN];
    if (ParseIpLiteral(entry, &ip)) {
      c->no_proxy.emplace_back(FormatIpAddress(ip, canonical));
    } else {
      c->no_proxy.push_back(Lower(entry));
    }
  }
}

bool NoProxyMatches(const Config& config, std::string_view host) {
  if (config.no_proxy_all) return true;
  if (config.no_proxy.empty()) return false;
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  IpAddress ip;
  if (ParseIpLiteral(host, &ip)) {
    // An IP literal matches equal literals and CIDR blocks, never as a "subdomain" ("1.2.3.4" is not
    // under "3.4").
    char buffer[INET6_ADDRSTRLEN];
    const std::string_view canonical = FormatIpAddress(ip, buffer);
    for (const std::string& entry : config.no_proxy) {
      Cidr cidr;
      if (entry == canonical || (ParseCidr(entry, &cidr) && cidr.Contains(ip))) return true;
    }
    return false;
  }
  for (const std::string& entry : config.no_proxy) {
    if (DomainMatches(host, entry)) return true;
  }
  return false;
}

}  // namespace

absl::Status ParseProxyUrl(std::string_view url, ProxySpec* out) {
  ProxyKind kind = ProxyKind::kHttp;
  size_t sep = url.find("://");
  if (sep != std::string_view::npos) {
    std::string_view scheme = url.substr(0, sep);
    if (EqualsIgnoreCase(scheme, "http")) {
      kind = ProxyKind::kHttp;
    } else if (EqualsIgnoreCase(scheme, "https")) {
      kind = ProxyKind::kHttps;
    } else if (EqualsIgnoreCase(scheme, "socks5")) {
      kind = ProxyKind::kSocks5;
    } else if (EqualsIgnoreCase(scheme, "socks5h")) {
      kind = ProxyKind::kSocks5h;
    } else {
      return absl::InvalidArgumentError("unsupported scheme (http://, https://, socks5:// and socks5h:// are)");
    }
  }
  size_t start = AuthorityStart(url);
  size_t end = AuthorityEnd(url, start);
  std::string_view authority = url.substr(start, end - start);
  // The path of a proxy URL means nothing; like curl, it is ignored ("http://proxy:3128/" is common).
  *out = ProxySpec();
  out->kind = kind;
  // The last '@' ends the credentials: an unencoded '@' in a password is common enough to accept.
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority.remove_prefix(at + 1);
    size_t colon = userinfo.find(':');
    std::string_view user = userinfo.substr(0, colon);
    std::string_view password =
        colon == std::string_view::npos ? std::string_view() : userinfo.substr(colon + 1);
    if (!AppendPercentDecoded(user, PercentEscapes::kStrict, &out->user) ||
        !AppendPercentDecoded(password, PercentEscapes::kStrict, &out->password)) {
      return absl::InvalidArgumentError("bad percent-encoding in the credentials");
    }
    out->has_credentials = !userinfo.empty();
    // RFC 1929 carries each in one length byte.
    if ((kind == ProxyKind::kSocks5 || kind == ProxyKind::kSocks5h) && (out->user.size() > 255 || out->password.size() > 255)) {
      return absl::InvalidArgumentError("a SOCKS5 user name or password is at most 255 bytes");
    }
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
    IpAddress ip;
    if (!ParseIpLiteral(host, AF_INET6, &ip)) return absl::InvalidArgumentError("bad IPv6 host");
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
  // Like curl: 1080, and 443 for a proxy spoken to over TLS.
  out->port = kind == ProxyKind::kHttps ? kDefaultHttpsProxyPort : kDefaultProxyPort;
  // RFC 3986 section 3.2.3: an empty port means the default.
  if (has_port && !port.empty() && !ParsePort(port, &out->port)) {
    return absl::InvalidArgumentError("bad port (expected 1 to 65535)");
  }
  static constexpr const char* kSchemes[] = {"http", "https", "socks5", "socks5h"};
  const bool v6 = out->host.find(':') != std::string::npos;
  out->column = absl::StrCat(kSchemes[static_cast<int>(kind)], "://", v6 ? "[" : "", out->host, v6 ? "]" : "",
                             ":", out->port);
  return absl::OkStatus();
}

std::string MaskProxyUrl(std::string_view url) {
  size_t start = AuthorityStart(url);
  size_t end = AuthorityEnd(url, start);
  size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  return absl::StrCat(ToAbsl(url.substr(0, start)), "***", ToAbsl(url.substr(start + at)));
}

absl::Status ResolveProxies(const std::optional<std::string>& proxy_flag, EnvLookup env, Config* c) {
  if (proxy_flag.has_value()) {
    // `--proxy ''` means no proxy at all, the environment included.
    if (proxy_flag->empty()) return absl::OkStatus();
    ProxySpec spec;
    if (absl::Status s = ParseProxyUrl(*proxy_flag, &spec); !s.ok()) {
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

absl::Status ParseProxyList(std::string_view text, std::vector<ProxySpec>* out) {
  out->clear();
  size_t pos = 0;
  int line = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view entry = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line;
    size_t hash = entry.find('#');
    if (hash != std::string_view::npos) entry = entry.substr(0, hash);
    while (!entry.empty() && absl::ascii_isspace(static_cast<unsigned char>(entry.front()))) entry.remove_prefix(1);
    while (!entry.empty() && absl::ascii_isspace(static_cast<unsigned char>(entry.back()))) entry.remove_suffix(1);
    if (entry.empty()) continue;
    ProxySpec spec;
    if (absl::Status s = ParseProxyUrl(entry, &spec); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("line ", line, ": invalid proxy URL: ", s.message()));
    }
    if (out->size() == kMaxProxyPool) {
      return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxProxyPool, " proxies"));
    }
    out->push_back(std::move(spec));
  }
  if (out->empty()) return absl::InvalidArgumentError("no proxy in the file");
  return absl::OkStatus();
}

const ProxySpec* ProxyFor(const Config& config, bool https, std::string_view host) {
  const std::optional<ProxySpec>& proxy = https ? config.https_proxy : config.http_proxy;
  if (!proxy.has_value()) return nullptr;
  if (NoProxyMatches(config, host)) return nullptr;
  return &*proxy;
}

}  // namespace urlsweep
