#include "scanner/proxy_authenticator.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "http/auth_challenge.h"
#include "http/ntlm.h"
#include "scanner/idle_pool.h"
#include "scanner/url.h"

namespace urlsweep {
namespace {

using Verdict = ProxyAuthenticator::Verdict;
using Exchange = ProxyAuthenticator::Exchange;

ProxySpec Proxy(bool credentials = true) {
  ProxySpec p;
  p.host = "127.0.0.1";
  p.port = 3128;
  if (credentials) {
    p.user = "alice";
    p.password = "secret";
    p.has_credentials = true;
  }
  return p;
}

constexpr std::string_view kDigestAndBasic =
    R"(Digest realm="Squid", nonce="n1", qop="auth", stale=false, Basic realm="Squid")";

// The MS-NLMP section 4.2.4.3 CHALLENGE message, base64, as a proxy's 407 carries it.
std::string SpecChallengeHeader() {
  std::string raw = absl::HexStringToBytes(
      "4e544c4d53535000" "02000000" "0c000c0038000000" "33828ae2" "0123456789abcdef" "0000000000000000"
      "2400240044000000" "060070170000000f" "530065007200760065007200"
      "02000c0044006f006d00610069006e00" "01000c00530065007200760065007200" "00000000");
  return "NTLM " + absl::Base64Escape(raw);
}

const std::string* ParamOf(const std::string& value, std::string_view name) {
  static std::vector<AuthChallenge> parsed;
  parsed.clear();
  EXPECT_TRUE(ParseAuthChallenges(value, &parsed));
  return parsed.empty() ? nullptr : parsed[0].Param(name);
}

// One proxy's authenticator and one request's exchange with it: its Proxy-Authorization value and the
// schemes the proxy's last 407 offered.
struct Conversation {
  explicit Conversation(ProxyAuthMode mode, ProxySpec p = Proxy()) : auth(mode), proxy(std::move(p)) {}

  // The value for a GET of http://a.test/ on a connection not yet authenticated.
  const std::string& Ask() {
    auth.Authorization(proxy, "GET", "http://a.test/", false, &ex, &value);
    return value;
  }
  // The proxy's 407 with `challenge`, on a connection it keeps open (or closes).
  Verdict Answer(std::string_view challenge, bool keeps_open = true) {
    return auth.On407(proxy, challenge, keeps_open, &ex, &offered);
  }

  ProxyAuthenticator auth;
  ProxySpec proxy;
  Exchange ex;
  std::string value;
  std::string offered;
};

TEST(ProxyAuthenticator, AnyWaitsForChallengeThenDigestAndRemembers) {
  Conversation c(ProxyAuthMode::kAny);
  EXPECT_EQ(c.Ask(), "");  // no credentials before the proxy says what it takes
  EXPECT_EQ(c.Answer(kDigestAndBasic), Verdict::kRetry);
  EXPECT_EQ(c.offered, "digest,basic");
  EXPECT_EQ(c.auth.Remembered(c.proxy), ProxyAuthScheme::kDigest);
  ASSERT_TRUE(c.Ask().starts_with("Digest ")) << c.value;
  EXPECT_EQ(*ParamOf(c.value, "nc"), "00000001");
  EXPECT_EQ(*ParamOf(c.value, "uri"), "http://a.test/");
  EXPECT_EQ(*ParamOf(c.value, "username"), "alice");
  EXPECT_EQ(ProxyAuthenticator::Accepted(c.ex, false), ProxyAuthScheme::kDigest);
  // The next request (another task, another connection) answers at once, the nonce count going up.
  Exchange other;
  std::string value;
  c.auth.Authorization(c.proxy, "CONNECT", "b.test:443", false, &other, &value);
  EXPECT_EQ(*ParamOf(value, "nc"), "00000002");
  EXPECT_EQ(*ParamOf(value, "uri"), "b.test:443");
}

TEST(ProxyAuthenticator, StaleNonceRetriesWithoutRejecting) {
  Conversation c(ProxyAuthMode::kDigest);
  EXPECT_EQ(c.Ask(), "");  // Digest needs a challenge first
  ASSERT_EQ(c.Answer(kDigestAndBasic, /*keeps_open=*/false), Verdict::kRetryFresh);
  c.Ask();
  EXPECT_EQ(*ParamOf(c.Ask(), "nc"), "00000002");
  EXPECT_EQ(c.Answer(R"(Digest realm="Squid", nonce="n2", qop="auth", stale=true)"), Verdict::kRetry);
  c.Ask();
  EXPECT_EQ(*ParamOf(c.value, "nonce"), "n2");
  EXPECT_EQ(*ParamOf(c.value, "nc"), "00000001");
  // Not stale: the credentials were refused.
  EXPECT_EQ(c.Answer(R"(Digest realm="Squid", nonce="n3", qop="auth", stale=false)"), Verdict::kRejected);
  EXPECT_EQ(c.offered, "digest");
}

TEST(ProxyAuthenticator, StaleLoopIsBounded) {
  Conversation c(ProxyAuthMode::kAny);
  c.Ask();
  Verdict v = c.Answer(kDigestAndBasic);
  int rounds = 1;
  while (v != Verdict::kRejected && rounds < 100) {
    c.Ask();
    v = c.Answer(R"(Digest realm="Squid", nonce="again", stale=true)");
    ++rounds;
  }
  EXPECT_EQ(v, Verdict::kRejected);
  EXPECT_EQ(rounds, kMaxProxyAuthRounds + 1);
}

TEST(ProxyAuthenticator, BasicUpFrontAndRejected) {
  Conversation c(ProxyAuthMode::kBasic);
  EXPECT_EQ(c.Ask(), "Basic YWxpY2U6c2VjcmV0");
  EXPECT_EQ(c.Answer(R"(Basic realm="x")"), Verdict::kRejected);
  EXPECT_EQ(c.offered, "basic");
}

TEST(ProxyAuthenticator, NamedSchemeNotOffered) {
  Conversation c(ProxyAuthMode::kDigest);
  c.Ask();
  EXPECT_EQ(c.Answer(R"(Basic realm="x", NTLM)"), Verdict::kRejected);
  EXPECT_EQ(c.offered, "basic,ntlm");
}

TEST(ProxyAuthenticator, NoCredentials) {
  Conversation c(ProxyAuthMode::kBasic, Proxy(false));
  c.value = "x";
  EXPECT_EQ(c.Ask(), "");
  EXPECT_EQ(c.Answer(kDigestAndBasic), Verdict::kRejected);
  EXPECT_EQ(c.offered, "digest,basic");
  EXPECT_EQ(ProxyAuthenticator::Accepted(c.ex, false), ProxyAuthScheme::kNone);
}

TEST(ProxyAuthenticator, NtlmThreeMessagesOnOneConnection) {
  if (!EnableNtlmCrypto()) GTEST_SKIP() << "environment: OpenSSL's legacy provider (MD4) is not installed";
  ProxySpec proxy = Proxy();
  proxy.user = "CORP\\alice";
  Conversation c(ProxyAuthMode::kAny, proxy);
  ProxyAuthenticator& auth = c.auth;
  std::string& value = c.value;
  std::string& offered = c.offered;
  EXPECT_EQ(c.Ask(), "");
  EXPECT_EQ(c.Answer(R"(NTLM, Digest realm="r", nonce="n", Basic realm="r")"), Verdict::kRetry);
  EXPECT_EQ(offered, "ntlm,digest,basic");
  EXPECT_EQ(c.Ask(), NtlmAuthorization(NtlmNegotiateMessage()));
  // The CHALLENGE on a connection the proxy closes cannot be answered.
  Exchange closed = c.ex;
  EXPECT_EQ(auth.On407(proxy, SpecChallengeHeader(), false, &closed, &offered), Verdict::kRejected);
  EXPECT_EQ(c.Answer(SpecChallengeHeader()), Verdict::kRetry);
  ASSERT_TRUE(c.Ask().starts_with("NTLM TlRMTVNTUAAD")) << value;  // AUTHENTICATE
  std::string raw;
  ASSERT_TRUE(absl::Base64Unescape(value.substr(5), &raw));
  EXPECT_NE(raw.find(std::string("C\0O\0R\0P\0", 8)), std::string::npos);
  EXPECT_NE(raw.find(std::string("a\0l\0i\0c\0e\0", 10)), std::string::npos);
  EXPECT_EQ(ProxyAuthenticator::Accepted(c.ex, false), ProxyAuthScheme::kNtlm);
  // The authenticated connection carries the next request with no header.
  Exchange next;
  auth.Authorization(proxy, "GET", "http://b.test/", true, &next, &value);
  EXPECT_EQ(value, "");
  EXPECT_EQ(ProxyAuthenticator::Accepted(next, true), ProxyAuthScheme::kNtlm);
  // A new connection starts with NEGOTIATE at once (remembered).
  auth.Authorization(proxy, "GET", "http://b.test/", false, &next, &value);
  EXPECT_EQ(value, NtlmAuthorization(NtlmNegotiateMessage()));
  // AUTHENTICATE refused: rejected.
  EXPECT_EQ(auth.On407(proxy, SpecChallengeHeader(), true, &next, &offered), Verdict::kRetry);
  auth.Authorization(proxy, "GET", "http://b.test/", false, &next, &value);
  EXPECT_EQ(auth.On407(proxy, "NTLM", true, &next, &offered), Verdict::kRejected);
  EXPECT_EQ(offered, "ntlm");
}

TEST(ProxyAuthenticator, NtlmNamedStartsUpFront) {
  if (!EnableNtlmCrypto()) GTEST_SKIP() << "environment: OpenSSL's legacy provider (MD4) is not installed";
  ProxyAuthenticator auth(ProxyAuthMode::kNtlm);
  Exchange ex;
  std::string value;
  auth.Authorization(Proxy(), "CONNECT", "a.test:443", false, &ex, &value);
  EXPECT_EQ(value, NtlmAuthorization(NtlmNegotiateMessage()));
}

TEST(ProxyAuthenticator, RememberedPerCredentials) {
  Conversation c(ProxyAuthMode::kAny);
  ProxySpec b = Proxy();
  b.password = "other";
  c.Ask();
  ASSERT_EQ(c.Answer(R"(Basic realm="r")"), Verdict::kRetry);
  EXPECT_EQ(c.auth.Remembered(c.proxy), ProxyAuthScheme::kBasic);
  EXPECT_EQ(c.auth.Remembered(b), ProxyAuthScheme::kNone);
}

// An NTLM-authenticated connection is never handed to a request with other credentials: keep-alive
// keys through a proxy differ by user and by password, and never hold the password itself.
TEST(ProxyAuthenticator, IdleKeysApartByCredentials) {
  Target target;
  const char* detail = nullptr;
  ASSERT_TRUE(ParseUrl("http://a.test/", &target, &detail));
  ProxySpec a = Proxy();
  ProxySpec other_password = a;
  other_password.password = "another";
  ProxySpec other_user = a;
  other_user.user = "bob";
  ProxySpec none = Proxy(false);
  std::string ka, kp, ku, kn, again;
  IdlePool::KeyFor(target, &a, &ka);
  IdlePool::KeyFor(target, &other_password, &kp);
  IdlePool::KeyFor(target, &other_user, &ku);
  IdlePool::KeyFor(target, &none, &kn);
  IdlePool::KeyFor(target, &a, &again);
  EXPECT_EQ(ka, again);
  EXPECT_NE(ka, kp);
  EXPECT_NE(ka, ku);
  EXPECT_NE(ka, kn);
  EXPECT_EQ(ka.find("secret"), std::string::npos);
  // Plain http through one proxy with one account still shares connections across origins.
  Target other;
  ASSERT_TRUE(ParseUrl("http://b.test:8080/x", &other, &detail));
  std::string kb;
  IdlePool::KeyFor(other, &a, &kb);
  EXPECT_EQ(ka, kb);
  // A SOCKS5 tunnel opened with one account is not handed to another either (pool entries may name the
  // same proxy with different credentials).
  ProxySpec socks = a;
  socks.kind = ProxyKind::kSocks5h;
  ProxySpec socks_other = socks;
  socks_other.user = "bob";
  std::string ks, ko;
  IdlePool::KeyFor(target, &socks, &ks);
  IdlePool::KeyFor(target, &socks_other, &ko);
  EXPECT_NE(ks, ko);
  EXPECT_EQ(ks.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace urlsweep
