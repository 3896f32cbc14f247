#include "http/auth_challenge.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace urlsweep {
namespace {

std::vector<AuthChallenge> Parse(std::string_view value, bool* ok = nullptr) {
  std::vector<AuthChallenge> out;
  bool result = ParseAuthChallenges(value, &out);
  if (ok != nullptr) *ok = result;
  return out;
}

TEST(AuthChallenge, SquidDigest) {
  bool ok = false;
  auto c = Parse(R"(Digest realm="Squid proxy", nonce="AbC+/=", qop="auth", stale=false)", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "digest");
  EXPECT_EQ(c[0].token68, "");
  ASSERT_EQ(c[0].params.size(), 4u);
  EXPECT_EQ(*c[0].Param("realm"), "Squid proxy");
  EXPECT_EQ(*c[0].Param("nonce"), "AbC+/=");
  EXPECT_EQ(*c[0].Param("qop"), "auth");
  EXPECT_EQ(*c[0].Param("stale"), "false");
  EXPECT_EQ(c[0].Param("opaque"), nullptr);
}

// RFC 9110 section 11.6.1's example: two challenges in one field, a quoted-string with escapes.
TEST(AuthChallenge, SeveralChallengesInOneField) {
  bool ok = false;
  auto c = Parse(R"(Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple")", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].scheme, "newauth");
  ASSERT_EQ(c[0].params.size(), 3u);
  EXPECT_EQ(*c[0].Param("type"), "1");
  EXPECT_EQ(*c[0].Param("title"), "Login to \"apps\"");
  EXPECT_EQ(c[1].scheme, "basic");
  EXPECT_EQ(*c[1].Param("realm"), "simple");
}

TEST(AuthChallenge, SeveralFieldsAppend) {
  std::vector<AuthChallenge> out;
  ASSERT_TRUE(ParseAuthChallenges("NTLM", &out));
  ASSERT_TRUE(ParseAuthChallenges(R"(Basic realm="x")", &out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].scheme, "ntlm");
  EXPECT_TRUE(out[0].params.empty());
  EXPECT_EQ(out[1].scheme, "basic");
  // Fields are lists of their own: a parameter at the start of the second field is no parameter of
  // the first field's challenge, it is an error (a "name=value" with no scheme before it).
  std::vector<AuthChallenge> other;
  ASSERT_TRUE(ParseAuthChallenges("Digest realm=a", &other));
  EXPECT_FALSE(ParseAuthChallenges("nonce=b", &other));
}

TEST(AuthChallenge, Token68) {
  bool ok = false;
  auto c = Parse("NTLM TlRMTVNTUAACAAAADAAMADAAAAA1goniYQ==", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "ntlm");
  EXPECT_EQ(c[0].token68, "TlRMTVNTUAACAAAADAAMADAAAAA1goniYQ==");
  EXPECT_TRUE(c[0].params.empty());
  // A token68 then another challenge.
  c = Parse("Negotiate abc/+=, Basic realm=r", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].token68, "abc/+=");
  EXPECT_EQ(*c[1].Param("realm"), "r");
  // "name=value" is a parameter, not a token68 "name=" followed by junk.
  c = Parse("Basic realm=abc", &ok);
  ASSERT_TRUE(ok);
  EXPECT_EQ(c[0].token68, "");
  EXPECT_EQ(*c[0].Param("realm"), "abc");
}

TEST(AuthChallenge, WhiteSpaceAndEmptyElements) {
  bool ok = false;
  auto c = Parse(" ,, Digest  realm = \"r\" ,\tnonce=\"n\"  ,, Basic ,", &ok);
  ASSERT_TRUE(ok);
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(*c[0].Param("realm"), "r");
  EXPECT_EQ(*c[0].Param("nonce"), "n");
  EXPECT_EQ(c[1].scheme, "basic");
  EXPECT_TRUE(Parse("", &ok).empty());
  EXPECT_TRUE(ok);
}

TEST(AuthChallenge, CaseOfNamesAndSchemes) {
  auto c = Parse(R"(DIGEST REALM="Mixed Case", Algorithm=SHA-256)");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "digest");
  EXPECT_EQ(*c[0].Param("realm"), "Mixed Case");  // values keep their case
  EXPECT_EQ(*c[0].Param("algorithm"), "SHA-256");
}

TEST(AuthChallenge, CommaInsideQuotedString) {
  auto c = Parse(R"(Digest realm="a, b", qop="auth,auth-int", nonce="x")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(*c[0].Param("realm"), "a, b");
  EXPECT_EQ(*c[0].Param("qop"), "auth,auth-int");
  EXPECT_EQ(*c[0].Param("nonce"), "x");
}

TEST(AuthChallenge, MalformedKeepsWhatCameBefore) {
  bool ok = true;
  auto c = Parse(R"(Basic realm="a", Digest realm="unterminated)", &ok);
  EXPECT_FALSE(ok);
  ASSERT_GE(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "basic");
  EXPECT_EQ(*c[0].Param("realm"), "a");

  for (std::string_view bad : {"=x", "Basic realm=\"a\" junk", "Basic\x01", "Digest a=\"\x01\"",
                               "Digest a=\"\\", "Basic realm=a b", "\"quoted\""}) {
    std::vector<AuthChallenge> out;
    EXPECT_FALSE(ParseAuthChallenges(bad, &out)) << bad;
  }
  // "Basic realm=" is read as a token68 "realm=" (the grammar's only reading of it).
  c = Parse("Basic realm=", &ok);
  EXPECT_TRUE(ok);
  EXPECT_EQ(c[0].token68, "realm=");
}

TEST(AuthChallenge, EscapedBytesAndObsText) {
  auto c = Parse("Digest realm=\"a\\\\b\\c\xe9\"");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(*c[0].Param("realm"), "a\\bc\xe9");
}

TEST(AuthChallenge, Bounds) {
  std::string many;
  for (size_t i = 0; i < kMaxChallenges + 1; ++i) many.append("Basic, ");
  std::vector<AuthChallenge> out;
  EXPECT_FALSE(ParseAuthChallenges(many, &out));
  EXPECT_EQ(out.size(), kMaxChallenges);
  std::string params = "Digest ";
  for (size_t i = 0; i < kMaxAuthParams + 1; ++i) params.append("a=b, ");
  out.clear();
  EXPECT_FALSE(ParseAuthChallenges(params, &out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].params.size(), kMaxAuthParams);
}

// A proxy's two fields, parsed field by field, give the same challenges as one field joined by a comma
// (RFC 9110 section 5.3), whatever split of the list into fields.
TEST(AuthChallenge, FieldsEqualJoinedList) {
  const std::vector<std::string> parts = {"NTLM", R"(Digest realm="r", nonce="n", algorithm=SHA-256)",
                                          R"(Digest realm="r", nonce="m")", R"(Basic realm="r")"};
  std::string joined;
  std::vector<AuthChallenge> by_field;
  for (const std::string& p : parts) {
    if (!joined.empty()) joined.append(", ");
    joined.append(p);
    ASSERT_TRUE(ParseAuthChallenges(p, &by_field));
  }
  std::vector<AuthChallenge> whole;
  ASSERT_TRUE(ParseAuthChallenges(joined, &whole));
  ASSERT_EQ(whole.size(), by_field.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(whole[i].scheme, by_field[i].scheme);
    ASSERT_EQ(whole[i].params.size(), by_field[i].params.size());
    for (size_t k = 0; k < whole[i].params.size(); ++k) {
      EXPECT_EQ(whole[i].params[k].name, by_field[i].params[k].name);
      EXPECT_EQ(whole[i].params[k].value, by_field[i].params[k].value);
    }
  }
}

}  // namespace
}  // namespace urlsweep
