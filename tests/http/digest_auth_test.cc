#include "http/digest_auth.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace urlsweep {
namespace {

DigestChallenge ParseOne(std::string_view value, bool* ok) {
  std::vector<AuthChallenge> challenges;
  EXPECT_TRUE(ParseAuthChallenges(value, &challenges));
  DigestChallenge digest;
  *ok = !challenges.empty() && ParseDigestChallenge(challenges[0], &digest);
  return digest;
}

// The "response" parameter of an Authorization value.
std::string ResponseOf(const std::string& authorization) {
  std::vector<AuthChallenge> parsed;  // the credentials use the same auth-param syntax
  EXPECT_TRUE(ParseAuthChallenges(authorization, &parsed));
  const std::string* r = parsed.empty() ? nullptr : parsed[0].Param("response");
  return r == nullptr ? "" : *r;
}

// RFC 7616 section 3.9.1: the example's values and its two responses.
constexpr std::string_view kRfcChallengeMd5 =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
constexpr std::string_view kRfcChallengeSha256 =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";
constexpr std::string_view kRfcCnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

TEST(DigestAuth, Rfc7616ExampleMd5) {
  bool ok = false;
  DigestChallenge c = ParseOne(kRfcChallengeMd5, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5);
  EXPECT_TRUE(c.qop_auth);
  EXPECT_TRUE(c.has_opaque);
  std::string value = DigestAuthorization(c, "Mufasa", "Circle of Life",
                                          {"GET", "/dir/index.html", kRfcCnonce, 1});
  EXPECT_EQ(ResponseOf(value), "8ca523f5e9506fed4657c9700eebdbec");
  EXPECT_EQ(value,
            R"(Digest username="Mufasa", realm="http-auth@example.org", )"
            R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", uri="/dir/index.html", algorithm=MD5, )"
            R"(response="8ca523f5e9506fed4657c9700eebdbec", qop=auth, nc=00000001, )"
            R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", )"
            R"(opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")");
}

TEST(DigestAuth, Rfc7616ExampleSha256) {
  bool ok = false;
  DigestChallenge c = ParseOne(kRfcChallengeSha256, &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256);
  std::string value = DigestAuthorization(c, "Mufasa", "Circle of Life",
                                          {"GET", "/dir/index.html", kRfcCnonce, 1});
  EXPECT_EQ(ResponseOf(value), "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  EXPECT_NE(value.find("algorithm=SHA-256,"), std::string::npos);
}

// The nonce count enters the hash and is sent as 8 hex digits; a later use of the nonce differs.
TEST(DigestAuth, NonceCountChangesResponse) {
  bool ok = false;
  DigestChallenge c = ParseOne(kRfcChallengeMd5, &ok);
  ASSERT_TRUE(ok);
  std::string first = DigestAuthorization(c, "u", "p", {"GET", "http://a/", "cn", 1});
  std::string second = DigestAuthorization(c, "u", "p", {"GET", "http://a/", "cn", 0x1a});
  EXPECT_NE(ResponseOf(first), ResponseOf(second));
  EXPECT_NE(second.find("nc=0000001a"), std::string::npos);
}

// Without qop (RFC 2069 form) the response is KD(HA1, nonce:HA2), and no qop, nc or cnonce is sent.
TEST(DigestAuth, WithoutQop) {
  bool ok = false;
  DigestChallenge c = ParseOne(R"(Digest realm="r", nonce="n")", &ok);
  ASSERT_TRUE(ok);
  EXPECT_FALSE(c.qop_auth);
  EXPECT_FALSE(c.has_opaque);
  std::string value = DigestAuthorization(c, "u", "p", {"CONNECT", "example.com:443", "cn", 1});
  EXPECT_EQ(value.find("qop="), std::string::npos);
  EXPECT_EQ(value.find("cnonce"), std::string::npos);
  EXPECT_NE(value.find(R"(uri="example.com:443")"), std::string::npos);
  // md5(md5("u:r:p") ":n:" md5("CONNECT:example.com:443")), worked out with Python's hashlib.
  EXPECT_EQ(ResponseOf(value), "116f48527b75adfd85baefe76f438f07");
}

TEST(DigestAuth, SessVariants) {
  bool ok = false;
  DigestChallenge c = ParseOne(R"(Digest realm="r", nonce="n", qop="auth", algorithm=MD5-sess)", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kMd5Sess);
  std::string value = DigestAuthorization(c, "u", "p", {"GET", "/", "c", 1});
  EXPECT_NE(value.find("algorithm=MD5-sess"), std::string::npos);
  // HA1 = md5(md5("u:r:p") ":n:c"), then as for MD5.
  EXPECT_EQ(ResponseOf(value), "6e4aac8b22e97762f88ccd0d5ccf5b1d");
  c = ParseOne(R"(Digest realm="r", nonce="n", qop="auth", algorithm=sha-256-SESS)", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(c.algorithm, DigestAlgorithm::kSha256Sess);
}

TEST(DigestAuth, StaleAndUnanswerable) {
  bool ok = false;
  DigestChallenge c = ParseOne(R"(Digest realm="r", nonce="n2", stale=TRUE)", &ok);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(c.stale);
  c = ParseOne(R"(Digest realm="r", nonce="n2", stale=false)", &ok);
  ASSERT_TRUE(ok);
  EXPECT_FALSE(c.stale);
  ParseOne(R"(Digest realm="r", nonce="n", algorithm=SHA-512-256)", &ok);
  EXPECT_FALSE(ok);
  ParseOne(R"(Digest realm="r", nonce="n", qop="auth-int")", &ok);
  EXPECT_FALSE(ok);
  ParseOne(R"(Digest realm="r")", &ok);
  EXPECT_FALSE(ok);
  ParseOne(R"(Digest nonce="n")", &ok);
  EXPECT_FALSE(ok);
  ParseOne(R"(Basic realm="r", nonce="n")", &ok);
  EXPECT_FALSE(ok);
}

TEST(DigestAuth, QuotesInValuesAreEscaped) {
  bool ok = false;
  DigestChallenge c = ParseOne(R"(Digest realm="a\"b", nonce="n", qop=auth)", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(c.realm, "a\"b");
  std::string value = DigestAuthorization(c, "us\"er", "p", {"GET", "/", "c", 1});
  EXPECT_NE(value.find(R"(username="us\"er")"), std::string::npos);
  EXPECT_NE(value.find(R"(realm="a\"b")"), std::string::npos);
  // The value parses back to the same user name.
  std::vector<AuthChallenge> back;
  ASSERT_TRUE(ParseAuthChallenges(value, &back));
  EXPECT_EQ(*back[0].Param("username"), "us\"er");
}

TEST(DigestAuth, Userhash) {
  bool ok = false;
  DigestChallenge c = ParseOne(R"(Digest realm="r", nonce="n", qop=auth, userhash=true, algorithm=SHA-256)", &ok);
  ASSERT_TRUE(ok);
  EXPECT_TRUE(c.userhash);
  std::string value = DigestAuthorization(c, "u", "p", {"GET", "/", "c", 1});
  // sha256("u:r")
  EXPECT_NE(value.find(R"(username="1d8a03a6e21a4ce775060ea57360329ac750dea5d847297b42f0d46539af8ab2")"),
            std::string::npos)
      << value;
  EXPECT_NE(value.find("userhash=true"), std::string::npos);
}

TEST(DigestAuth, Cnonce) {
  std::string a = MakeDigestCnonce();
  std::string b = MakeDigestCnonce();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
}

}  // namespace
}  // namespace urlsweep
