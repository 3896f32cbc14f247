#include "http/proxy_auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace urlsweep {
namespace {

std::vector<AuthChallenge> Challenges(std::vector<std::string_view> fields) {
  std::vector<AuthChallenge> out;
  for (std::string_view f : fields) EXPECT_TRUE(ParseAuthChallenges(f, &out)) << f;
  return out;
}

constexpr std::string_view kBasic = R"(Basic realm="Squid")";
constexpr std::string_view kMd5 = R"(Digest realm="Squid", nonce="n1", qop="auth")";
constexpr std::string_view kSha = R"(Digest realm="Squid", nonce="n2", qop="auth", algorithm=SHA-256)";

ProxyAuthChoice Choose(const std::vector<AuthChallenge>& c, ProxyAuthMode mode, bool ntlm = true) {
  ProxyAuthChoice choice;
  ChooseProxyAuth(c, mode, ntlm, &choice);
  return choice;
}

TEST(ProxyAuth, AnyPicksStrongest) {
  auto all = Challenges({kBasic, kMd5, "NTLM", kSha});
  EXPECT_EQ(Choose(all, ProxyAuthMode::kAny).scheme, ProxyAuthScheme::kNtlm);
  ProxyAuthChoice c = Choose(all, ProxyAuthMode::kAny, /*ntlm=*/false);
  EXPECT_EQ(c.scheme, ProxyAuthScheme::kDigest);
  EXPECT_EQ(c.digest.algorithm, DigestAlgorithm::kSha256);
  EXPECT_EQ(c.digest.nonce, "n2");
  c = Choose(Challenges({kSha, kMd5}), ProxyAuthMode::kAny);
  EXPECT_EQ(c.digest.nonce, "n2");  // order offered does not matter
  c = Choose(Challenges({kBasic, kMd5}), ProxyAuthMode::kAny);
  EXPECT_EQ(c.scheme, ProxyAuthScheme::kDigest);
  EXPECT_EQ(c.digest.algorithm, DigestAlgorithm::kMd5);
  EXPECT_EQ(Choose(Challenges({kBasic}), ProxyAuthMode::kAny).scheme, ProxyAuthScheme::kBasic);
}

TEST(ProxyAuth, NamedSchemeOnly) {
  auto all = Challenges({kBasic, kMd5, "NTLM"});
  EXPECT_EQ(Choose(all, ProxyAuthMode::kBasic).scheme, ProxyAuthScheme::kBasic);
  EXPECT_EQ(Choose(all, ProxyAuthMode::kDigest).scheme, ProxyAuthScheme::kDigest);
  EXPECT_EQ(Choose(all, ProxyAuthMode::kNtlm).scheme, ProxyAuthScheme::kNtlm);
  ProxyAuthChoice c;
  EXPECT_FALSE(ChooseProxyAuth(Challenges({kBasic}), ProxyAuthMode::kDigest, true, &c));
  EXPECT_FALSE(ChooseProxyAuth(Challenges({kMd5}), ProxyAuthMode::kBasic, true, &c));
  EXPECT_FALSE(ChooseProxyAuth(Challenges({"NTLM"}), ProxyAuthMode::kNtlm, /*ntlm=*/false, &c));
  EXPECT_EQ(c.scheme, ProxyAuthScheme::kNone);
}

TEST(ProxyAuth, UnanswerableDigestSkipped) {
  auto c = Challenges({R"(Digest realm="r", nonce="n", algorithm=SHA-512-256)", kBasic});
  EXPECT_EQ(Choose(c, ProxyAuthMode::kAny).scheme, ProxyAuthScheme::kBasic);
  ProxyAuthChoice choice;
  EXPECT_FALSE(ChooseProxyAuth(Challenges({"Negotiate", "Bearer"}), ProxyAuthMode::kAny, true, &choice));
}

TEST(ProxyAuth, NtlmToken) {
  ProxyAuthChoice c = Choose(Challenges({"NTLM TlRMTVNTUAACAAAA"}), ProxyAuthMode::kAny);
  EXPECT_EQ(c.scheme, ProxyAuthScheme::kNtlm);
  EXPECT_EQ(c.ntlm_token, "TlRMTVNTUAACAAAA");
}

TEST(ProxyAuth, OfferedSchemes) {
  EXPECT_EQ(OfferedSchemes(Challenges({kBasic, kMd5, "NTLM", kSha})), "basic,digest,ntlm");
  EXPECT_EQ(OfferedSchemes(Challenges({"NEGOTIATE", "NTLM"})), "negotiate,ntlm");
  EXPECT_EQ(OfferedSchemes({}), "");
  EXPECT_STREQ(ProxyAuthSchemeName(ProxyAuthScheme::kDigest), "digest");
  EXPECT_STREQ(ProxyAuthSchemeName(ProxyAuthScheme::kNone), "");
}

}  // namespace
}  // namespace urlsweep
