// Fuzzes ParseAuthChallenges and what reads its output: the scheme choice for --proxy-auth and the
// Digest answer. Input: one Proxy-Authenticate field value per line.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/auth_challenge.h"
#include "http/digest_auth.h"
#include "http/proxy_auth.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<urlsweep::AuthChallenge> challenges;
  while (true) {
    size_t nl = in.find('\n');
    urlsweep::ParseAuthChallenges(in.substr(0, nl), &challenges);
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
    if (challenges.size() > 4 * urlsweep::kMaxChallenges) break;
  }
  for (const urlsweep::AuthChallenge& c : challenges) {
    // A scheme is a non-empty lower-case token; a challenge has a token68 or params, never both.
    if (c.scheme.empty() || (!c.token68.empty() && !c.params.empty())) __builtin_trap();
    if (c.params.size() > urlsweep::kMaxAuthParams) __builtin_trap();
    for (char ch : c.scheme) {
      if (ch >= 'A' && ch <= 'Z') __builtin_trap();
    }
  }
  urlsweep::ProxyAuthChoice choice;
  if (urlsweep::ChooseProxyAuth(challenges, urlsweep::ProxyAuthMode::kAny, false, &choice) &&
      choice.scheme == urlsweep::ProxyAuthScheme::kDigest) {
    std::string value = urlsweep::DigestAuthorization(choice.digest, "user", "password",
                                                      {"GET", "http://example.com/", "0a1b2c", 1});
    // Whatever the challenge held, the answer is one header value that parses back.
    if (value.find_first_of("\r\n") != std::string::npos) {
      // Only a realm, nonce or opaque holding CR or LF can put them there; such bytes are refused by
      // the quoted-string grammar, so this cannot happen.
      __builtin_trap();
    }
    std::vector<urlsweep::AuthChallenge> back;
    if (!urlsweep::ParseAuthChallenges(value, &back) || back.size() != 1) __builtin_trap();
  }
  return 0;
}
