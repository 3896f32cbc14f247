#include "scanner/proxy_authenticator.h"

#include <functional>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "http/auth_challenge.h"
#include "http/ntlm.h"
#include "http/request.h"

namespace urlsweep {
namespace {

// The CHALLENGE message of an "NTLM <base64>" challenge; false when there is none or it is malformed.
bool NtlmChallengeOf(const std::vector<AuthChallenge>& challenges, NtlmChallenge* out) {
  for (const AuthChallenge& c : challenges) {
    if (c.scheme != "ntlm" || c.token68.empty()) continue;
    std::string raw;
    if (!absl::Base64Unescape(absl::string_view(c.token68.data(), c.token68.size()), &raw)) return false;
    return ParseNtlmChallenge(raw, out);
  }
  return false;
}

}  // namespace

std::string ProxyAuthenticator::KeyOf(const ProxySpec& proxy) {
  return absl::StrCat(proxy.host, "|", proxy.port, "|", proxy.user, "|",
                      std::hash<std::string>{}(proxy.password));
}

bool ProxyAuthenticator::NtlmAvailable() {
  if (ntlm_state_ == 0) ntlm_state_ = EnableNtlmCrypto() ? 1 : -1;
  return ntlm_state_ == 1;
}

ProxyAuthScheme ProxyAuthenticator::Remembered(const ProxySpec& proxy) const {
  auto it = entries_.find(KeyOf(proxy));
  return it == entries_.end() ? ProxyAuthScheme::kNone : it->second.scheme;
}

void ProxyAuthenticator::Authorization(const ProxySpec& proxy, std::string_view method, std::string_view uri,
                                       bool conn_ntlm, Exchange* exchange, std::string* out) {
  out->clear();
  exchange->ntlm_negotiate = false;
  exchange->sent = ProxyAuthScheme::kNone;
  if (!proxy.has_credentials) return;
  if (exchange->ntlm_authenticate) {
    // The third NTLM message, answering the CHALLENGE the last 407 carried.
    out->swap(pending_authenticate_);
    pending_authenticate_.clear();
    exchange->ntlm_authenticate = false;
    exchange->sent = ProxyAuthScheme::kNtlm;
    return;
  }
  if (mode_ == ProxyAuthMode::kBasic) {
    *out = BasicAuthorization(proxy.user, proxy.password);
    exchange->sent = ProxyAuthScheme::kBasic;
    return;
  }
  if (conn_ntlm) {
    exchange->sent = ProxyAuthScheme::kNtlm;  // the connection itself is authenticated
    return;
  }
  Entry* entry = nullptr;
  if (!entries_.empty()) {
    auto it = entries_.find(KeyOf(proxy));
    if (it != entries_.end()) entry = &it->second;
  }
  ProxyAuthScheme scheme = entry != nullptr ? entry->scheme : ProxyAuthScheme::kNone;
  // NTLM may begin unasked: its first message carries no secret.
  if (scheme == ProxyAuthScheme::kNone && mode_ == ProxyAuthMode::kNtlm && NtlmAvailable()) {
    scheme = ProxyAuthScheme::kNtlm;
  }
  switch (scheme) {
    case ProxyAuthScheme::kNone:
      return;  // any, digest: wait for the proxy's challenge
    case ProxyAuthScheme::kBasic:
      *out = BasicAuthorization(proxy.user, proxy.password);
      break;
    case ProxyAuthScheme::kDigest:
      *out = DigestAuthorization(entry->digest, proxy.user, proxy.password,
                                 {method, uri, entry->cnonce, ++entry->nonce_count});
      break;
    case ProxyAuthScheme::kNtlm:
      *out = NtlmAuthorization(NtlmNegotiateMessage());
      exchange->ntlm_negotiate = true;
      break;
  }
  exchange->sent = scheme;
}

ProxyAuthenticator::Verdict ProxyAuthenticator::On407(const ProxySpec& proxy, std::string_view proxy_authenticate,
                                                      bool keep_alive, Exchange* exchange, std::string* offered) {
  std::vector<AuthChallenge> challenges;
  ParseAuthChallenges(proxy_authenticate, &challenges);  // what parsed before an error still counts
  *offered = OfferedSchemes(challenges);
  const ProxyAuthScheme sent = exchange->sent;
  const bool negotiate = exchange->ntlm_negotiate;
  exchange->ntlm_negotiate = false;
  exchange->sent = ProxyAuthScheme::kNone;
  if (!proxy.has_credentials || ++exchange->rounds > kMaxProxyAuthRounds) return Verdict::kRejected;
  const Verdict retry = keep_alive ? Verdict::kRetry : Verdict::kRetryFresh;

  if (negotiate) {
    // The proxy's CHALLENGE: the AUTHENTICATE goes on this same connection, or nowhere.
    NtlmChallenge challenge;
    if (!keep_alive || !NtlmChallengeOf(challenges, &challenge)) return Verdict::kRejected;
    std::string_view domain;
    std::string_view user;
    SplitNtlmUser(proxy.user, &domain, &user);
    std::string message;
    if (!NtlmAuthenticateMessage(challenge, {user, domain, proxy.password, ""}, MakeNtlmClientValues(),
                                 &message)) {
      return Verdict::kRejected;
    }
    pending_authenticate_ = NtlmAuthorization(message);
    exchange->ntlm_authenticate = true;
    return Verdict::kRetry;
  }
  Entry& entry = entries_[KeyOf(proxy)];
  if (sent == ProxyAuthScheme::kDigest) {
    // stale=true: the credentials were right, the nonce is no longer; answer the new one (RFC 7616
    // section 3.3). Anything else refused them.
    for (const AuthChallenge& c : challenges) {
      DigestChallenge digest;
      if (c.scheme != "digest" || !ParseDigestChallenge(c, &digest) || !digest.stale) continue;
      entry.digest = std::move(digest);
      entry.nonce_count = 0;
      return retry;
    }
    return Verdict::kRejected;
  }
  if (sent != ProxyAuthScheme::kNone) return Verdict::kRejected;  // Basic or NTLM refused

  // No credentials were sent: the challenge says which scheme to answer with, from now on.
  const bool ntlm_offered = offered->find("ntlm") != std::string::npos;
  ProxyAuthChoice choice;
  if (!ChooseProxyAuth(challenges, mode_, ntlm_offered && NtlmAvailable(), &choice)) return Verdict::kRejected;
  entry.scheme = choice.scheme;
  if (choice.scheme == ProxyAuthScheme::kDigest) {
    entry.digest = std::move(choice.digest);
    entry.nonce_count = 0;
    entry.cnonce = MakeDigestCnonce();
  }
  return retry;
}

}  // namespace urlsweep
