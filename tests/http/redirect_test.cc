#include "http/redirect.h"

#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

struct Case {
  const char* base;
  const char* location;
  const char* want;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.base << " + '" << c.location << "'"; }

class ResolveRedirectTest : public testing::TestWithParam<Case> {};

TEST_P(ResolveRedirectTest, Resolves) {
  const Case& c = GetParam();
  std::string out = "stale";
  const char* detail = nullptr;
  ASSERT_TRUE(ResolveRedirect(c.base, c.location, &out, &detail)) << c.location;
  EXPECT_EQ(out, c.want) << "base " << c.base << " location '" << c.location << "'";
}

constexpr char kRfcBase[] = "http://a/b/c/d;p?q";

// RFC 3986 section 5.4, with the one normalisation we make: an empty path after an authority is "/".
INSTANTIATE_TEST_SUITE_P(
    Rfc3986Normal, ResolveRedirectTest,
    testing::Values(Case{kRfcBase, "g:h", "g:h"}, Case{kRfcBase, "g", "http://a/b/c/g"},
                    Case{kRfcBase, "./g", "http://a/b/c/g"}, Case{kRfcBase, "g/", "http://a/b/c/g/"},
                    Case{kRfcBase, "/g", "http://a/g"}, Case{kRfcBase, "//g", "http://g/"},
                    Case{kRfcBase, "?y", "http://a/b/c/d;p?y"}, Case{kRfcBase, "g?y", "http://a/b/c/g?y"},
                    Case{kRfcBase, "#s", "http://a/b/c/d;p?q"}, Case{kRfcBase, "g#s", "http://a/b/c/g"},
                    Case{kRfcBase, "g?y#s", "http://a/b/c/g?y"}, Case{kRfcBase, ";x", "http://a/b/c/;x"},
                    Case{kRfcBase, "g;x", "http://a/b/c/g;x"},
                    Case{kRfcBase, "g;x?y#s", "http://a/b/c/g;x?y"}, Case{kRfcBase, ".", "http://a/b/c/"},
                    Case{kRfcBase, "./", "http://a/b/c/"}, Case{kRfcBase, "..", "http://a/b/"},
                    Case{kRfcBase, "../", "http://a/b/"}, Case{kRfcBase, "../g", "http://a/b/g"},
                    Case{kRfcBase, "../..", "http://a/"}, Case{kRfcBase, "../../", "http://a/"},
                    Case{kRfcBase, "../../g", "http://a/g"}));

INSTANTIATE_TEST_SUITE_P(
    Rfc3986Abnormal, ResolveRedirectTest,
    testing::Values(Case{kRfcBase, "../../../g", "http://a/g"},
                    Case{kRfcBase, "../../../../g", "http://a/g"}, Case{kRfcBase, "/./g", "http://a/g"},
                    Case{kRfcBase, "/../g", "http://a/g"}, Case{kRfcBase, "g.", "http://a/b/c/g."},
                    Case{kRfcBase, ".g", "http://a/b/c/.g"}, Case{kRfcBase, "g..", "http://a/b/c/g.."},
                    Case{kRfcBase, "..g", "http://a/b/c/..g"}, Case{kRfcBase, "./../g", "http://a/b/g"},
                    Case{kRfcBase, "./g/.", "http://a/b/c/g/"}, Case{kRfcBase, "g/./h", "http://a/b/c/g/h"},
                    Case{kRfcBase, "g/../h", "http://a/b/c/h"},
                    Case{kRfcBase, "g;x=1/./y", "http://a/b/c/g;x=1/y"},
                    Case{kRfcBase, "g;x=1/../y", "http://a/b/c/y"},
                    Case{kRfcBase, "g?y/./x", "http://a/b/c/g?y/./x"},
                    Case{kRfcBase, "g?y/../x", "http://a/b/c/g?y/../x"},
                    Case{kRfcBase, "g#s/./x", "http://a/b/c/g"}, Case{kRfcBase, "g#s/../x", "http://a/b/c/g"},
                    // Non-strict (RFC 3986 section 5.2.2): the base's own scheme is dropped.
                    Case{kRfcBase, "http:g", "http://a/b/c/g"}));

INSTANTIATE_TEST_SUITE_P(
    Urlsweep, ResolveRedirectTest,
    testing::Values(
        Case{"http://example.com/", "https://www.example.com/x?y#z", "https://www.example.com/x?y"},
        Case{"http://example.com/", "HTTPS://Example.COM/A", "https://Example.COM/A"},
        Case{"http://example.com/", "https://example.com", "https://example.com/"},
        Case{"https://example.com/a/b", "//cdn.example.com/c", "https://cdn.example.com/c"},
        Case{"http://example.com:8080/a/b?q=1", "c", "http://example.com:8080/a/c"},
        Case{"http://example.com:8080/a/b?q=1", "#top", "http://example.com:8080/a/b?q=1"},
        Case{"http://[::1]:8080/a/b", "../c?d", "http://[::1]:8080/c?d"},
        Case{"http://example.com/a", "//[2001:db8::1]:9/x", "http://[2001:db8::1]:9/x"},
        Case{"http://example.com", "x", "http://example.com/x"},
        Case{"http://example.com/a/b", "  /trimmed\t \r\n", "http://example.com/trimmed"},
        Case{"http://example.com/a/b", "?", "http://example.com/a/b?"},
        // '\' is '/' before the query, as browsers read http(s) URLs.
        Case{"http://example.com/a/b", "\\\\evil.example\\x", "http://evil.example/x"},
        Case{"http://example.com/a/b", "/c\\d?e\\f#g\\h", "http://example.com/c/d?e\\f"},
        Case{"http://example.com/a/b", "https:\\\\h\\p", "https://h/p"},
        Case{"http://example.com/a/b", "ftp://h/p\\q", "ftp://h/p\\q"},
        // Non-http schemes are produced as they are; the URL parser rejects them.
        Case{"http://example.com/a", "mailto:someone@example.com", "mailto:someone@example.com"},
        Case{"http://example.com/a", "javascript:alert(1)", "javascript:alert(1)"},
        // A colon after the first '/' is not a scheme.
        Case{"http://example.com/a/", "b/c:d", "http://example.com/a/b/c:d"},
        Case{"http://example.com/a/", "1a:b", "http://example.com/a/1a:b"}));

TEST(ResolveRedirectErrorsTest, EmptyLocation) {
  std::string out;
  const char* detail = nullptr;
  EXPECT_FALSE(ResolveRedirect("http://example.com/", "", &out, &detail));
  EXPECT_STREQ(detail, "empty Location header");
  detail = nullptr;
  EXPECT_FALSE(ResolveRedirect("http://example.com/", " \t ", &out, &detail));
  EXPECT_STREQ(detail, "empty Location header");
}

TEST(ResolveRedirectErrorsTest, BaseMustBeAbsolute) {
  std::string out;
  const char* detail = nullptr;
  EXPECT_FALSE(ResolveRedirect("/relative", "x", &out, &detail));
  EXPECT_STREQ(detail, "base URL is not absolute");
}

TEST(ResolveRedirectLimitsTest, ManyDotSegmentsStayLinear) {
  std::string location;
  for (int i = 0; i < 100000; ++i) location += "a/../";
  location += "end";
  std::string out;
  const char* detail = nullptr;
  ASSERT_TRUE(ResolveRedirect("http://example.com/x/y", location, &out, &detail));
  EXPECT_EQ(out, "http://example.com/x/end");
}

TEST(IsRedirectStatusTest, OnlyTheFollowedOnes) {
  for (int status = 100; status < 600; ++status) {
    bool want = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    EXPECT_EQ(IsRedirectStatus(status), want) << status;
  }
}

}  // namespace
}  // namespace urlsweep
