#include "http/proxy_auth.h"

namespace urlsweep {

const char* ProxyAuthSchemeName(ProxyAuthScheme scheme) {
  switch (scheme) {
    case ProxyAuthScheme::kNone: return "";
    case ProxyAuthScheme::kBasic: return "basic";
    case ProxyAuthScheme::kDigest: return "digest";
    case ProxyAuthScheme::kNtlm: return "ntlm";
  }
  return "";
}

std::string OfferedSchemes(const std::vector<AuthChallenge>& challenges) {
  std::string out;
  std::vector<std::string_view> seen;
  for (const AuthChallenge& c : challenges) {
    bool dup = false;
    for (std::string_view s : seen) dup = dup || s == c.scheme;
    if (dup) continue;
    seen.push_back(c.scheme);
    if (!out.empty()) out.push_back(',');
    out.append(c.scheme);
  }
  return out;
}

bool ChooseProxyAuth(const std::vector<AuthChallenge>& challenges, ProxyAuthMode mode,
                     bool ntlm_available, ProxyAuthChoice* out) {
  *out = ProxyAuthChoice{};
  const bool any = mode == ProxyAuthMode::kAny;
  // Strength: NTLM 4, Digest SHA-256 3, Digest MD5 2, Basic 1.
  int best = 0;
  for (const AuthChallenge& c : challenges) {
    if (c.scheme == "ntlm") {
      if ((!any && mode != ProxyAuthMode::kNtlm) || !ntlm_available || best >= 4) continue;
      best = 4;
      out->scheme = ProxyAuthScheme::kNtlm;
      out->ntlm_token = c.token68;
    } else if (c.scheme == "digest") {
      if (!any && mode != ProxyAuthMode::kDigest) continue;
      DigestChallenge digest;
      if (!ParseDigestChallenge(c, &digest)) continue;
      int strength = 1 + DigestStrength(digest.algorithm);
      if (strength <= best) continue;
      best = strength;
      out->scheme = ProxyAuthScheme::kDigest;
      out->digest = std::move(digest);
    } else if (c.scheme == "basic") {
      if ((!any && mode != ProxyAuthMode::kBasic) || best >= 1) continue;
      best = 1;
      out->scheme = ProxyAuthScheme::kBasic;
    }
  }
  return best > 0;
}

}  // namespace urlsweep
