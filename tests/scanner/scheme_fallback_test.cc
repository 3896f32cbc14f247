#include "scanner/scheme_fallback.h"

#include <string>

#include "gtest/gtest.h"
#include "scanner/url.h"

namespace urlsweep {
namespace {

TEST(ParseSchemeLess, OneOrBothInEitherOrder) {
  SchemeLess mode = SchemeLess::kHttp;
  ASSERT_TRUE(ParseSchemeLess("https", &mode));
  EXPECT_EQ(mode, SchemeLess::kHttps);
  ASSERT_TRUE(ParseSchemeLess("http", &mode));
  EXPECT_EQ(mode, SchemeLess::kHttp);
  ASSERT_TRUE(ParseSchemeLess("https,http", &mode));
  EXPECT_EQ(mode, SchemeLess::kHttpsThenHttp);
  ASSERT_TRUE(ParseSchemeLess("http,https", &mode));
  EXPECT_EQ(mode, SchemeLess::kHttpThenHttps);
  ASSERT_TRUE(ParseSchemeLess(" HTTPS , Http ", &mode));
  EXPECT_EQ(mode, SchemeLess::kHttpsThenHttp);
}

TEST(ParseSchemeLess, RefusesAnythingElse) {
  SchemeLess mode = SchemeLess::kHttps;
  for (const char* text : {"", ",", "ftp", "http,", ",https", "http,http", "https,https", "http,https,http",
                           "http;https", "httpx", "http https"}) {
    EXPECT_FALSE(ParseSchemeLess(text, &mode)) << text;
  }
  EXPECT_EQ(mode, SchemeLess::kHttps);  // untouched
}

TEST(ParseUrlSchemeLess, FirstSchemeOfLinesWithoutOne) {
  Target t;
  const char* detail = "";
  ASSERT_TRUE(ParseUrl("example.com/a", &t, &detail, /*schemeless_https=*/true));
  EXPECT_EQ(t.url, "https://example.com/a");
  EXPECT_TRUE(t.schemeless);
  EXPECT_EQ(t.port, 443);
  ASSERT_TRUE(ParseUrl("example.com:8443", &t, &detail, true));
  EXPECT_EQ(t.url, "https://example.com:8443/");
  ASSERT_TRUE(ParseUrl("//example.com/x", &t, &detail, true));
  EXPECT_EQ(t.url, "https://example.com/x");
  EXPECT_TRUE(t.schemeless);
  // A line with a scheme keeps it, whatever --scheme-less says.
  ASSERT_TRUE(ParseUrl("http://example.com/", &t, &detail, true));
  EXPECT_EQ(t.url, "http://example.com/");
  EXPECT_FALSE(t.schemeless);
  ASSERT_TRUE(ParseUrl("HTTPS://example.com/", &t, &detail, false));
  EXPECT_EQ(t.url, "https://example.com/");
  EXPECT_FALSE(t.schemeless);
  ASSERT_TRUE(ParseUrl("example.com", &t, &detail));
  EXPECT_EQ(t.url, "http://example.com/");
  EXPECT_TRUE(t.schemeless);
}

Target Parsed(const char* line, bool https_first) {
  Target t;
  const char* detail = "";
  EXPECT_TRUE(ParseUrl(line, &t, &detail, https_first)) << line;
  return t;
}

TEST(SwitchToSecondScheme, SwapsOnceKeepingAnExplicitPort) {
  Target t = Parsed("Example.com:8080/p?q=1", true);
  ASSERT_TRUE(SwitchToSecondScheme(SchemeLess::kHttpsThenHttp, &t));
  EXPECT_EQ(t.url, "http://example.com:8080/p?q=1");
  EXPECT_FALSE(t.https);
  EXPECT_EQ(t.port, 8080);
  EXPECT_EQ(t.request_target, "/p?q=1");
  EXPECT_FALSE(SwitchToSecondScheme(SchemeLess::kHttpsThenHttp, &t));  // once per row

  t = Parsed("example.com", true);
  ASSERT_TRUE(SwitchToSecondScheme(SchemeLess::kHttpsThenHttp, &t));
  EXPECT_EQ(t.url, "http://example.com/");
  EXPECT_EQ(t.port, 80);
  EXPECT_TRUE(t.default_port);

  t = Parsed("[::1]:443/x", false);
  ASSERT_TRUE(SwitchToSecondScheme(SchemeLess::kHttpThenHttps, &t));
  EXPECT_EQ(t.url, "https://[::1]/x");  // 443 is the new scheme's default
  EXPECT_TRUE(t.https);
  EXPECT_EQ(t.port, 443);
  EXPECT_EQ(t.host, "::1");

  t = Parsed("//user:pw@example.com:81", false);
  ASSERT_TRUE(SwitchToSecondScheme(SchemeLess::kHttpThenHttps, &t));
  EXPECT_EQ(t.userinfo, "user:pw");
  EXPECT_EQ(t.url, "https://example.com:81/");
}

TEST(SwitchToSecondScheme, NotForOneSchemeNorForLinesWithOne) {
  Target t = Parsed("example.com", true);
  EXPECT_FALSE(SwitchToSecondScheme(SchemeLess::kHttps, &t));
  EXPECT_FALSE(SwitchToSecondScheme(SchemeLess::kHttp, &t));
  EXPECT_EQ(t.url, "https://example.com/");
  t = Parsed("https://example.com", true);
  EXPECT_FALSE(SwitchToSecondScheme(SchemeLess::kHttpsThenHttp, &t));
  EXPECT_EQ(t.url, "https://example.com/");
}

TEST(FailureAllowsSecondScheme, ConnectionFailuresButNotDnsOrAnswers) {
  for (ErrorCode code : {ErrorCode::kConnectRefused, ErrorCode::kConnectTimeout, ErrorCode::kConnectUnreachable,
                         ErrorCode::kConnectReset, ErrorCode::kTlsError, ErrorCode::kTlsTimeout,
                         ErrorCode::kWriteError, ErrorCode::kReadTimeout, ErrorCode::kReadReset,
                         ErrorCode::kEmptyResponse, ErrorCode::kBadResponse}) {
    EXPECT_TRUE(FailureAllowsSecondScheme(code)) << ErrorName(code);
  }
  for (ErrorCode code : {ErrorCode::kDnsNxdomain, ErrorCode::kDnsNodata, ErrorCode::kDnsServfail,
                         ErrorCode::kDnsTimeout, ErrorCode::kDnsError, ErrorCode::kExcluded, ErrorCode::kInvalidUrl,
                         ErrorCode::kTlsVerify, ErrorCode::kProxyError, ErrorCode::kProxyAuthRequired,
                         ErrorCode::kRedirectLoop, ErrorCode::kTooManyRedirects, ErrorCode::kTimeout}) {
    EXPECT_FALSE(FailureAllowsSecondScheme(code)) << ErrorName(code);
  }
}

}  // namespace
}  // namespace urlsweep
