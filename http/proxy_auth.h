// Choosing how to answer an HTTP proxy's 407 (--proxy-auth): which of the offered challenges urlsweep
// answers, and the `proxy_auth` words a row reports. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/options.h"
#include "http/auth_challenge.h"
#include "http/digest_auth.h"

namespace urlsweep {

enum class ProxyAuthScheme : uint8_t { kNone, kBasic, kDigest, kNtlm };

// "basic", "digest", "ntlm"; "" for kNone. The `proxy_auth` column's words.
const char* ProxyAuthSchemeName(ProxyAuthScheme scheme);

// The schemes a 407 offered, lower case, comma-separated, each once, in the order offered:
// "digest,basic". The `proxy_auth` column of a `proxy_auth_required` row.
std::string OfferedSchemes(const std::vector<AuthChallenge>& challenges);

struct ProxyAuthChoice {
  ProxyAuthScheme scheme = ProxyAuthScheme::kNone;
  DigestChallenge digest;  // when scheme is kDigest
  std::string ntlm_token;  // when scheme is kNtlm: the challenge's token68 (empty in a first 407)
};

// The strongest offered challenge that `mode` allows and urlsweep can answer: NTLM (when
// `ntlm_available`), Digest with SHA-256, Digest with MD5, Basic. A Digest challenge we cannot answer
// (unknown algorithm, auth-int only) is skipped. False when none fits.
bool ChooseProxyAuth(const std::vector<AuthChallenge>& challenges, ProxyAuthMode mode,
                     bool ntlm_available, ProxyAuthChoice* out);

}  // namespace urlsweep
