#include "http/request.h"

#include <array>
#include <cstddef>

#include "absl/strings/escaping.h"
#include "core/text.h"
#include "http/token.h"

namespace urlsweep {
namespace {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// CR or LF would end the field line early and let the rest be read as another header or request
// (request splitting); NUL is rejected by servers (RFC 9110 section 5.5).
bool IsSafeValue(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

void AppendField(std::string_view name, std::string_view value, std::string* out) {
  if (value.empty() || !IsSafeValue(value)) return;
  out->append(name);
  out->append(": ");
  out->append(value);
  out->append("\r\n");
}

// A request-target may hold only visible ASCII (RFC 9112 section 3.2); anything else is percent-encoded
// (RFC 3986 section 2.1) rather than sent raw, so a space or a line break can never end the request line.
void AppendTarget(std::string_view target, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (target.empty()) {
    out->push_back('/');
    return;
  }
  for (unsigned char c : target) {
    if (c <= 0x20 || c >= 0x7F) {
      out->push_back('%');
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

bool IsUsable(const std::pair<std::string, std::string>& h) {
  return IsToken(h.first) && IsSafeValue(h.second);
}

// Writes the -H headers named `name` in order (an empty value sends nothing). Returns whether any -H
// header has that name, i.e. whether the default is replaced (or removed).
bool AppendOverrides(const HeaderList* extra, std::string_view name, std::string* out) {
  if (extra == nullptr) return false;
  bool overridden = false;
  for (const auto& h : *extra) {
    if (!IsUsable(h) || !EqualsIgnoreCase(h.first, name)) continue;
    overridden = true;
    AppendField(h.first, h.second, out);
  }
  return overridden;
}

}  // namespace

void SerializeRequest(const RequestSpec& spec, std::string* out) {
  out->clear();
  out->append(spec.method == HttpMethod::kHead ? "HEAD " : "GET ");
  AppendTarget(spec.target, out);
  out->append(" HTTP/1.1\r\n");

  const std::array<std::pair<std::string_view, std::string_view>, 6> defaults = {{
      {"Host", spec.host},
      {"User-Agent", spec.user_agent},
      {"Accept", "*/*"},
      {"Accept-Encoding", "identity"},
      {"Authorization", spec.authorization},
      {"Proxy-Authorization", spec.proxy_authorization},
  }};
  for (const auto& [name, value] : defaults) {
    if (!AppendOverrides(spec.extra_headers, name, out)) AppendField(name, value, out);
  }
  if (spec.extra_headers != nullptr) {
    for (const auto& h : *spec.extra_headers) {
      if (!IsUsable(h)) continue;
      bool is_default = false;
      for (const auto& d : defaults) {
        if (EqualsIgnoreCase(h.first, d.first)) {
          is_default = true;
          break;
        }
      }
      if (!is_default) AppendField(h.first, h.second, out);
    }
  }
  out->append("\r\n");
}

void SerializeConnect(std::string_view authority, std::string_view user_agent,
                      std::string_view proxy_authorization, std::string* out) {
  out->clear();
  out->append("CONNECT ");
  AppendTarget(authority, out);
  out->append(" HTTP/1.1\r\n");
  AppendField("Host", authority, out);
  AppendField("User-Agent", user_agent, out);
  AppendField("Proxy-Authorization", proxy_authorization, out);
  out->append("\r\n");
}

std::string BasicAuthorization(std::string_view user, std::string_view password) {
  std::string credentials;
  credentials.reserve(user.size() + 1 + password.size());
  credentials.append(user);
  credentials.push_back(':');
  credentials.append(password);
  std::string out = "Basic ";
  out.append(absl::Base64Escape(credentials));
  return out;
}

}  // namespace urlsweep
