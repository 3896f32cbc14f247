#include "scanner/url.h"

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "tests/counting_new.h"  // holds ParseUrl to "no allocation on a warm Target"

namespace urlsweep {
namespace {

using namespace std::string_literals;

struct Good {
  std::string input;
  std::string url;
  std::string host;
  int family;
  uint16_t port;
  bool default_port;
  std::string request_target;
  std::string host_column;
  std::string authority;
  std::string userinfo = "";
};

constexpr int kName = 0;
constexpr int kV4 = AF_INET;
constexpr int kV6 = AF_INET6;

std::string Label(size_t bytes) { return std::string(bytes, 'a'); }

// A host of exactly `bytes` bytes made of 63-byte labels.
std::string LongHost(size_t bytes) {
  std::string host;
  while (host.size() < bytes) {
    if (!host.empty()) host.push_back('.');
    host.append(std::min<size_t>(63, bytes - host.size()), 'b');
  }
  return host;
}

std::vector<Good> GoodCases() {
  const std::string long_path = "/" + std::string(kMaxUrlBytes - std::string("http://x.io/").size(), 'p');
  return {
      // Schemes, case, defaults.
      {"http://example.com", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"https://example.com/", "https://example.com/", "example.com", kName, 443, true, "/", "example.com",
       "example.com"},
      {"HTTP://EXAMPLE.COM/Path?Q=1", "http://example.com/Path?Q=1", "example.com", kName, 80, true,
       "/Path?Q=1", "example.com", "example.com"},
      {"HtTpS://Example.Com", "https://example.com/", "example.com", kName, 443, true, "/", "example.com",
       "example.com"},
      // No scheme means http.
      {"example.com", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"example.com:8080/path", "http://example.com:8080/path", "example.com", kName, 8080, false, "/path",
       "example.com", "example.com:8080"},
      {"127.0.0.1:8080", "http://127.0.0.1:8080/", "127.0.0.1", kV4, 8080, false, "/", "127.0.0.1",
       "127.0.0.1:8080"},
      {"localhost:8080", "http://localhost:8080/", "localhost", kName, 8080, false, "/", "localhost",
       "localhost:8080"},
      {"localhost", "http://localhost/", "localhost", kName, 80, true, "/", "localhost", "localhost"},
      {"example.com?x", "http://example.com/?x", "example.com", kName, 80, true, "/?x", "example.com",
       "example.com"},
      {"[::1]:8080/x", "http://[::1]:8080/x", "::1", kV6, 8080, false, "/x", "[::1]", "[::1]:8080"},
      {"//example.com/x", "http://example.com/x", "example.com", kName, 80, true, "/x", "example.com",
       "example.com"},
      // Ports.
      {"http://example.com:80/", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"https://example.com:443/x", "https://example.com/x", "example.com", kName, 443, true, "/x",
       "example.com", "example.com"},
      {"https://example.com:80/", "https://example.com:80/", "example.com", kName, 80, false, "/",
       "example.com", "example.com:80"},
      {"http://example.com:/", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"http://example.com:0080/", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"http://example.com:65535/", "http://example.com:65535/", "example.com", kName, 65535, false, "/",
       "example.com", "example.com:65535"},
      {"http://example.com:1", "http://example.com:1/", "example.com", kName, 1, false, "/", "example.com",
       "example.com:1"},
      {"http://EXAMPLE.com.:8080", "http://example.com:8080/", "example.com", kName, 8080, false, "/",
       "example.com", "example.com:8080"},
      // IPv6 literals: canonical form, brackets only in url, host column and authority.
      {"http://[::1]:8080/", "http://[::1]:8080/", "::1", kV6, 8080, false, "/", "[::1]", "[::1]:8080"},
      {"http://[::1]/", "http://[::1]/", "::1", kV6, 80, true, "/", "[::1]", "[::1]"},
      {"https://[2001:DB8:0:0:0:0:0:1]/", "https://[2001:db8::1]/", "2001:db8::1", kV6, 443, true, "/",
       "[2001:db8::1]", "[2001:db8::1]"},
      {"http://[::FFFF:192.0.2.1]/", "http://[::ffff:192.0.2.1]/", "::ffff:192.0.2.1", kV6, 80, true, "/",
       "[::ffff:192.0.2.1]", "[::ffff:192.0.2.1]"},
      {"https://user@[::1]:8443/p?q", "https://[::1]:8443/p?q", "::1", kV6, 8443, false, "/p?q", "[::1]",
       "[::1]:8443", "user"},
      // IPv4 literals.
      {"http://192.168.0.1/", "http://192.168.0.1/", "192.168.0.1", kV4, 80, true, "/", "192.168.0.1",
       "192.168.0.1"},
      {"http://0.0.0.0/", "http://0.0.0.0/", "0.0.0.0", kV4, 80, true, "/", "0.0.0.0", "0.0.0.0"},
      {"http://255.255.255.255/", "http://255.255.255.255/", "255.255.255.255", kV4, 80, true, "/",
       "255.255.255.255", "255.255.255.255"},
      {"http://1.2.3.4./", "http://1.2.3.4/", "1.2.3.4", kV4, 80, true, "/", "1.2.3.4", "1.2.3.4"},
      // Internationalised names become punycode.
      {"http://bücher.de/", "http://xn--bcher-kva.de/", "xn--bcher-kva.de", kName, 80, true, "/",
       "xn--bcher-kva.de", "xn--bcher-kva.de"},
      {"http://BÜCHER.de/", "http://xn--bcher-kva.de/", "xn--bcher-kva.de", kName, 80, true, "/",
       "xn--bcher-kva.de", "xn--bcher-kva.de"},
      {"https://faß.de/", "https://xn--fa-hia.de/", "xn--fa-hia.de", kName, 443, true, "/", "xn--fa-hia.de",
       "xn--fa-hia.de"},
      {"http://☃.net/", "http://xn--n3h.net/", "xn--n3h.net", kName, 80, true, "/", "xn--n3h.net",
       "xn--n3h.net"},
      {"http://日本語。ＪＰ/", "http://xn--wgv71a119e.jp/", "xn--wgv71a119e.jp", kName, 80, true, "/",
       "xn--wgv71a119e.jp", "xn--wgv71a119e.jp"},
      {"http://１２７.０.０.１/", "http://127.0.0.1/", "127.0.0.1", kV4, 80, true, "/", "127.0.0.1",
       "127.0.0.1"},
      {"http://xn--bcher-kva.de/", "http://xn--bcher-kva.de/", "xn--bcher-kva.de", kName, 80, true, "/",
       "xn--bcher-kva.de", "xn--bcher-kva.de"},
      {"http://ex%61mple.com/", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"http://b%C3%BCcher.de/", "http://xn--bcher-kva.de/", "xn--bcher-kva.de", kName, 80, true, "/",
       "xn--bcher-kva.de", "xn--bcher-kva.de"},
      // Host rules.
      {"http://example.com./", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"http://my_host.example/", "http://my_host.example/", "my_host.example", kName, 80, true, "/",
       "my_host.example", "my_host.example"},
      {"http://a.b-c.d_e.1a/", "http://a.b-c.d_e.1a/", "a.b-c.d_e.1a", kName, 80, true, "/", "a.b-c.d_e.1a",
       "a.b-c.d_e.1a"},
      {"http://" + Label(63) + ".io/", "http://" + Label(63) + ".io/", Label(63) + ".io", kName, 80, true,
       "/", Label(63) + ".io", Label(63) + ".io"},
      {"http://" + LongHost(253) + "/", "http://" + LongHost(253) + "/", LongHost(253), kName, 80, true, "/",
       LongHost(253), LongHost(253)},
      {"http://" + LongHost(253) + "./", "http://" + LongHost(253) + "/", LongHost(253), kName, 80, true,
       "/", LongHost(253), LongHost(253)},
      // Userinfo: decoded, never in url.
      {"http://user:pass@example.com/", "http://example.com/", "example.com", kName, 80, true, "/",
       "example.com", "example.com", "user:pass"},
      {"http://us%40er:p%3Ass@example.com/", "http://example.com/", "example.com", kName, 80, true, "/",
       "example.com", "example.com", "us@er:p:ss"},
      {"http://user:p@ss@example.com/", "http://example.com/", "example.com", kName, 80, true, "/",
       "example.com", "example.com", "user:p@ss"},
      {"http://@example.com/", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"http://user:100%@example.com:8080/", "http://example.com:8080/", "example.com", kName, 8080, false,
       "/", "example.com", "example.com:8080", "user:100%"},
      // Path and query: encoded as browsers do, existing escapes kept, fragment dropped.
      {"http://example.com/a b", "http://example.com/a%20b", "example.com", kName, 80, true, "/a%20b",
       "example.com", "example.com"},
      {"http://example.com/a\"<>`{}", "http://example.com/a%22%3C%3E%60%7B%7D", "example.com", kName, 80,
       true, "/a%22%3C%3E%60%7B%7D", "example.com", "example.com"},
      {"http://example.com/é", "http://example.com/%C3%A9", "example.com", kName, 80, true, "/%C3%A9",
       "example.com", "example.com"},
      {"http://example.com/%20already", "http://example.com/%20already", "example.com", kName, 80, true,
       "/%20already", "example.com", "example.com"},
      {"http://example.com/a%2fb", "http://example.com/a%2fb", "example.com", kName, 80, true, "/a%2fb",
       "example.com", "example.com"},
      {"http://example.com/100%", "http://example.com/100%", "example.com", kName, 80, true, "/100%",
       "example.com", "example.com"},
      {"http://example.com/p#frag", "http://example.com/p", "example.com", kName, 80, true, "/p",
       "example.com", "example.com"},
      {"http://example.com#frag", "http://example.com/", "example.com", kName, 80, true, "/", "example.com",
       "example.com"},
      {"http://example.com?q=1", "http://example.com/?q=1", "example.com", kName, 80, true, "/?q=1",
       "example.com", "example.com"},
      {"https://example.com/?", "https://example.com/?", "example.com", kName, 443, true, "/?", "example.com",
       "example.com"},
      {"http://example.com/?q=a b&r=ü", "http://example.com/?q=a%20b&r=%C3%BC", "example.com", kName, 80,
       true, "/?q=a%20b&r=%C3%BC", "example.com", "example.com"},
      {"http://example.com/\x01\x7f\ta"s + "\0"s, "http://example.com/%01%7F%09a%00", "example.com", kName,
       80, true, "/%01%7F%09a%00", "example.com", "example.com"},
      {"http://example.com/p?q#a b", "http://example.com/p?q", "example.com", kName, 80, true, "/p?q",
       "example.com", "example.com"},
      {"http://example.com/a/../b", "http://example.com/a/../b", "example.com", kName, 80, true, "/a/../b",
       "example.com", "example.com"},
      {"http://example.com/a|b^c'", "http://example.com/a|b^c'", "example.com", kName, 80, true, "/a|b^c'",
       "example.com", "example.com"},
      {"http://x.io" + long_path, "http://x.io" + long_path, "x.io", kName, 80, true, long_path, "x.io",
       "x.io"},
  };
}

struct Bad {
  std::string input;
  std::string detail;
};

std::vector<Bad> BadCases() {
  return {
      {"", "missing host"},
      {"ftp://example.com/", "unsupported scheme"},
      {"mailto:user@example.com", "unsupported scheme"},
      {"javascript:alert(1)", "unsupported scheme"},
      {"file:///etc/passwd", "unsupported scheme"},
      {"ws://example.com", "unsupported scheme"},
      {"localhost:abc", "unsupported scheme"},
      {"http:example.com", "missing // after scheme"},
      {"https:/example.com", "missing // after scheme"},
      {"http://", "missing host"},
      {"http:///path", "missing host"},
      {"http://:8080/", "missing host"},
      {"http://user@/", "missing host"},
      {"/path/only", "missing host"},
      {"?q", "missing host"},
      {"//", "missing host"},
      {"http://::1/", "missing host"},
      {"http://example.com:0/", "invalid port"},
      {"http://example.com:65536/", "invalid port"},
      {"http://example.com:99999999999999999999/", "invalid port"},
      {"http://example.com:8a/", "invalid port"},
      {"http://example.com:-1/", "invalid port"},
      {"http://example.com:80:80/", "invalid port"},
      {"example.com:abc", "invalid port"},
      {"http://[::1/", "invalid IPv6 address"},
      {"http://[::g]/", "invalid IPv6 address"},
      {"http://[1.2.3.4]/", "invalid IPv6 address"},
      {"http://[" + std::string(70, '1') + "]/", "invalid IPv6 address"},
      {"http://[fe80::1%25eth0]/", "IPv6 zone id not allowed"},
      {"http://[::1]x/", "invalid host"},
      {"http://1.2.3/", "invalid IPv4 address"},
      {"http://127.1/", "invalid IPv4 address"},
      {"http://2130706433/", "invalid IPv4 address"},
      {"http://256.0.0.1/", "invalid IPv4 address"},
      {"http://010.0.0.1/", "invalid IPv4 address"},
      {"http://1.2.3.4.5/", "invalid IPv4 address"},
      {"http://example.123/", "invalid IPv4 address"},
      {"http://exa mple.com/", "invalid character in host"},
      {"http://exa$mple.com/", "invalid character in host"},
      {"http://exa\\mple.com/", "invalid character in host"},
      {"http://a%2Fb.com/", "invalid character in host"},
      {"http://ex%41mple.com%3A80/", "invalid character in host"},
      {"http://a..b/", "empty label in host"},
      {"http://example.com../", "empty label in host"},
      {"http://.example.com/", "empty label in host"},
      {"http://./", "invalid host"},
      {"http://" + Label(64) + ".io/", "host label longer than 63 bytes"},
      {"http://" + LongHost(254) + "/", "host longer than 253 bytes"},
      {"http://exa\0mple.com/"s, "NUL in host"},
      {"http://ex%00ample.com/", "NUL in host"},
      {"http://\xff.com/", "invalid UTF-8 in host"},
      {"http://\xc3\x28.com/", "invalid UTF-8 in host"},
      {"http://\xed\xa0\x80.com/", "invalid UTF-8 in host"},
      {"http://\xc0\xaf.com/", "invalid UTF-8 in host"},
      {"http://b%FCcher.de/", "invalid UTF-8 in host"},
      {"http://ex%zzample.com/", "invalid percent escape in host"},
      {"http://ex%2", "invalid percent escape in host"},
      {"http://-ü.de/", "invalid international host name"},
      {"http://xn--zz-ü.de/", "invalid international host name"},
      {"http://" + std::string(kMaxUrlBytes - 6, 'a'), "URL longer than 8192 bytes"},
  };
}

TEST(ParseUrlTest, AcceptsAndNormalises) {
  for (const Good& c : GoodCases()) {
    SCOPED_TRACE(c.input.size() > 200 ? c.input.substr(0, 200) + "..." : c.input);
    Target t;
    const char* detail = nullptr;
    ASSERT_TRUE(ParseUrl(c.input, &t, &detail)) << detail;
    EXPECT_EQ(t.url, c.url);
    EXPECT_EQ(t.https, c.url.rfind("https://", 0) == 0);
    EXPECT_EQ(t.host, c.host);
    EXPECT_EQ(t.ip_family, c.family);
    EXPECT_EQ(t.port, c.port);
    EXPECT_EQ(t.default_port, c.default_port);
    EXPECT_EQ(t.request_target, c.request_target);
    EXPECT_EQ(t.host_column(), c.host_column);
    EXPECT_EQ(t.authority(), c.authority);
    EXPECT_EQ(t.userinfo, c.userinfo);
  }
}

TEST(ParseUrlTest, RejectsWithDetail) {
  for (const Bad& c : BadCases()) {
    SCOPED_TRACE(c.input.size() > 200 ? c.input.substr(0, 200) + "..." : c.input);
    Target t;
    const char* detail = nullptr;
    EXPECT_FALSE(ParseUrl(c.input, &t, &detail));
    ASSERT_NE(detail, nullptr);
    EXPECT_EQ(std::string_view(detail), c.detail);
  }
}

TEST(ParseUrlTest, ExactlyMaxBytesIsAcceptedOneMoreIsNot) {
  const std::string prefix = "http://x.io/";
  std::string line = prefix + std::string(kMaxUrlBytes - prefix.size(), 'q');
  Target t;
  const char* detail = nullptr;
  EXPECT_TRUE(ParseUrl(line, &t, &detail));
  line.push_back('q');
  EXPECT_FALSE(ParseUrl(line, &t, &detail));
  EXPECT_STREQ(detail, "URL longer than 8192 bytes");
}

// The limit holds for the normalised URL too: a line well under it whose non-ASCII bytes are
// percent-encoded (three bytes each) grows past it, and the normalised form must parse again (redirect
// loop detection and --resume compare normalised URLs).
TEST(ParseUrlTest, LimitAppliesOnceNormalised) {
  const std::string prefix = "http://x.io/";
  const std::string e_acute = "\xc3\xa9";  // U+00E9, "%C3%A9" once encoded
  std::string line = prefix;
  while (line.size() < 4040) line += e_acute;
  ASSERT_EQ(line.size(), 4040u);
  Target t;
  const char* detail = nullptr;
  EXPECT_FALSE(ParseUrl(line, &t, &detail));
  EXPECT_STREQ(detail, "URL longer than 8192 bytes once percent-encoded and normalised");

  // Exactly kMaxUrlBytes once encoded is accepted, and parses again to itself; one byte more is not.
  line = prefix;
  while (line.size() - prefix.size() < 2726) line += e_acute;  // 1,363 characters: 8,178 bytes encoded
  line += "qq";
  ASSERT_TRUE(ParseUrl(line, &t, &detail)) << detail;
  EXPECT_EQ(t.url.size(), kMaxUrlBytes);
  Target again;
  ASSERT_TRUE(ParseUrl(t.url, &again, &detail)) << detail;
  EXPECT_EQ(again.url, t.url);
  line += "q";
  EXPECT_FALSE(ParseUrl(line, &t, &detail));
  EXPECT_STREQ(detail, "URL longer than 8192 bytes once percent-encoded and normalised");

  // A line without a scheme gains "http://".
  line = "x.io/" + std::string(kMaxUrlBytes - 5, 'q');
  EXPECT_FALSE(ParseUrl(line, &t, &detail));
  EXPECT_STREQ(detail, "URL longer than 8192 bytes once percent-encoded and normalised");
}

// A Target reused for the next line must not keep anything of the previous one.
TEST(ParseUrlTest, ReusedTargetIsFullyOverwritten) {
  Target t;
  const char* detail = nullptr;
  ASSERT_TRUE(ParseUrl("https://user:pw@[::1]:8443/a?b", &t, &detail));
  ASSERT_TRUE(ParseUrl("example.com", &t, &detail));
  EXPECT_FALSE(t.https);
  EXPECT_EQ(t.host, "example.com");
  EXPECT_EQ(t.ip_family, 0);
  EXPECT_EQ(t.port, 80);
  EXPECT_TRUE(t.default_port);
  EXPECT_EQ(t.userinfo, "");
  EXPECT_EQ(t.request_target, "/");
  EXPECT_EQ(t.url, "http://example.com/");
  EXPECT_EQ(t.host_column(), "example.com");
  EXPECT_EQ(t.authority(), "example.com");
}

// The normalised url parses back to itself, so redirects and --resume can compare URLs as strings.
TEST(ParseUrlTest, NormalisedUrlIsAFixedPoint) {
  for (const Good& c : GoodCases()) {
    SCOPED_TRACE(c.url.size() > 200 ? c.url.substr(0, 200) + "..." : c.url);
    Target again;
    const char* detail = nullptr;
    ASSERT_TRUE(ParseUrl(c.url, &again, &detail)) << detail;
    EXPECT_EQ(again.url, c.url);
    EXPECT_EQ(again.host, c.host);
    EXPECT_EQ(again.port, c.port);
    EXPECT_EQ(again.request_target, c.request_target);
  }
}

TEST(ParseUrlTest, AsciiLinesDoNotAllocateOnAWarmTarget) {
  const std::vector<std::string> lines = {
      "http://example.com/", "https://www.example.org:8443/path/to/page?query=1&x=y#top",
      "example.net", "127.0.0.1:8080/x y", "https://user:pw@[2001:db8::1]/a", "HTTP://UPPER.EXAMPLE.COM/",
  };
  Target t;
  const char* detail = nullptr;
  for (const std::string& line : lines) ASSERT_TRUE(ParseUrl(line, &t, &detail)) << line;
  const int64_t before = CountedAllocations();
  for (int round = 0; round < 3; ++round) {
    for (const std::string& line : lines) ASSERT_TRUE(ParseUrl(line, &t, &detail));
  }
  EXPECT_EQ(CountedAllocations() - before, 0);
}

TEST(StableHashTest, IsPinned) {
  // FNV-1a 64 then fmix64: the values must never change, or --shard would split old inputs differently.
  EXPECT_EQ(StableHash(""), 0xefd01f60ba992926ULL);
  EXPECT_EQ(StableHash("a"), 0x82a2a958a9bece5bULL);
  EXPECT_EQ(StableHash("foobar"), 0x2c22194922d1672bULL);
  EXPECT_EQ(StableHash("example.com"), 0x9591d6421994d599ULL);
  EXPECT_EQ(StableHash("http://example.com/"), 0x22e692fac52b31ebULL);
}

TEST(StableHashTest, SpreadsSimilarUrlsEvenlyOverShards) {
  constexpr int kUrls = 20000;
  for (uint64_t shards : {2u, 3u, 4u, 8u, 16u}) {
    std::vector<int> counts(shards, 0);
    for (int i = 0; i < kUrls; ++i) {
      ++counts[StableHash("http://host" + std::to_string(i) + ".example.com/") % shards];
    }
    const double expected = static_cast<double>(kUrls) / shards;
    for (int count : counts) {
      EXPECT_NEAR(count, expected, expected * 0.1) << shards << " shards";
    }
  }
}

}  // namespace
}  // namespace urlsweep
