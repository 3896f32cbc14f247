#include "scanner/proxy_rules.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace urlsweep {
namespace {

std::map<std::string, std::string>* g_env = nullptr;

const char* FakeEnv(const char* name) {
  auto it = g_env->find(name);
  return it == g_env->end() ? nullptr : it->second.c_str();
}

class ProxyRulesTest : public ::testing::Test {
 protected:
  void SetUp() override { g_env = &env_; }
  void TearDown() override { g_env = nullptr; }
  std::map<std::string, std::string> env_;
};

TEST_F(ProxyRulesTest, ParseProxyUrl) {
  ProxySpec p;
  ASSERT_TRUE(ParseProxyUrl("HTTP://u%3Ax:p@ss@Proxy.Example:3128/ignored", &p).ok());
  EXPECT_EQ(p.host, "proxy.example");
  EXPECT_EQ(p.port, 3128);
  EXPECT_EQ(p.user, "u:x");
  EXPECT_EQ(p.password, "p@ss");  // the last '@' ends the credentials
  EXPECT_TRUE(p.has_credentials);
  EXPECT_EQ(p.column, "http://proxy.example:3128");
  ASSERT_TRUE(ParseProxyUrl("[::1]:", &p).ok());
  EXPECT_EQ(p.column, "http://[::1]:1080");
  EXPECT_EQ(p.host, "::1");
  EXPECT_EQ(p.port, 1080);
  EXPECT_FALSE(p.has_credentials);
  EXPECT_EQ(p.kind, ProxyKind::kHttp);
  ASSERT_TRUE(ParseProxyUrl("socks5://u:pw@127.0.0.1:9050", &p).ok());
  EXPECT_EQ(p.kind, ProxyKind::kSocks5);
  EXPECT_EQ(p.port, 9050);
  EXPECT_EQ(p.user, "u");
  EXPECT_EQ(p.password, "pw");
  EXPECT_EQ(p.column, "socks5://127.0.0.1:9050");  // never the credentials
  ASSERT_TRUE(ParseProxyUrl("https://proxy.example", &p).ok());
  EXPECT_EQ(p.column, "https://proxy.example:443");
  EXPECT_EQ(p.kind, ProxyKind::kHttps);
  EXPECT_EQ(p.port, 443);
  ASSERT_TRUE(ParseProxyUrl("SOCKS5H://proxy", &p).ok());
  EXPECT_EQ(p.kind, ProxyKind::kSocks5h);
  EXPECT_EQ(p.port, 1080);
  EXPECT_EQ(p.column, "socks5h://proxy:1080");
  EXPECT_FALSE(p.has_credentials);
  EXPECT_EQ(ParseProxyUrl("socks4://p:1", &p).message(),
            "unsupported scheme (http://, https://, socks5:// and socks5h:// are)");
  EXPECT_EQ(ParseProxyUrl("socks5://" + std::string(256, 'u') + ":p@h", &p).message(),
            "a SOCKS5 user name or password is at most 255 bytes");
  EXPECT_EQ(ParseProxyUrl("http://u:%zz@p", &p).message(), "bad percent-encoding in the credentials");
  EXPECT_EQ(ParseProxyUrl("http://[1.2.3.4]:1", &p).message(), "bad IPv6 host");
  EXPECT_EQ(ParseProxyUrl("http://:1", &p).message(), "no host");
  EXPECT_EQ(ParseProxyUrl("http://p:0", &p).message(), "bad port (expected 1 to 65535)");
}

TEST_F(ProxyRulesTest, ParseProxyList) {
  std::vector<ProxySpec> pool;
  ASSERT_TRUE(ParseProxyList("# pool\n\nsocks5h://u:pw@127.0.0.1:1080  # first\r\n  http://10.0.0.1:3128\n"
                             "socks5://[::1]:9050",
                             &pool)
                  .ok());
  ASSERT_EQ(pool.size(), 3u);
  EXPECT_EQ(pool[0].kind, ProxyKind::kSocks5h);
  EXPECT_EQ(pool[0].password, "pw");
  EXPECT_EQ(pool[1].kind, ProxyKind::kHttp);
  EXPECT_EQ(pool[1].port, 3128);
  EXPECT_EQ(pool[2].host, "::1");
  // The line is named, its text (credentials) never.
  EXPECT_EQ(ParseProxyList("http://p:1\n#\nhttp://user:s3cret@p:0\n", &pool).message(),
            "line 3: invalid proxy URL: bad port (expected 1 to 65535)");
  EXPECT_EQ(ParseProxyList("# nothing\n\n", &pool).message(), "no proxy in the file");
}

TEST_F(ProxyRulesTest, MaskProxyUrl) {
  EXPECT_EQ(MaskProxyUrl("http://user:secret@p:1/x@y"), "http://***@p:1/x@y");
  EXPECT_EQ(MaskProxyUrl("u:s@p"), "***@p");
  EXPECT_EQ(MaskProxyUrl("http://p:1"), "http://p:1");
}

TEST_F(ProxyRulesTest, FlagWinsOverEnvironment) {
  env_["http_proxy"] = "http://env:1";
  env_["no_proxy"] = "*";
  Config c;
  ASSERT_TRUE(ResolveProxies(std::string("http://flag:2"), FakeEnv, &c).ok());
  ASSERT_TRUE(c.http_proxy.has_value());
  EXPECT_EQ(c.http_proxy->host, "flag");
  EXPECT_FALSE(c.no_proxy_all);
  EXPECT_EQ(ProxyFor(c, true, "a.test"), &*c.https_proxy);

  Config none;
  ASSERT_TRUE(ResolveProxies(std::string(), FakeEnv, &none).ok());
  EXPECT_EQ(ProxyFor(none, false, "a.test"), nullptr);
}

TEST_F(ProxyRulesTest, NoProxyEntries) {
  env_["https_proxy"] = "p:1";
  env_["no_proxy"] = " .Example.com., [::0:1] ,10.0.0.0/8,,fd00::/8";
  Config c;
  ASSERT_TRUE(ResolveProxies(std::nullopt, FakeEnv, &c).ok());
  EXPECT_EQ(c.no_proxy, (std::vector<std::string>{"example.com", "::1", "10.0.0.0/8", "fd00::/8"}));
  EXPECT_EQ(ProxyFor(c, true, "www.example.com"), nullptr);
  EXPECT_EQ(ProxyFor(c, true, "0::1"), nullptr);
  EXPECT_EQ(ProxyFor(c, true, "10.9.9.9"), nullptr);
  EXPECT_EQ(ProxyFor(c, true, "fd00::9"), nullptr);
  EXPECT_NE(ProxyFor(c, true, "11.0.0.1"), nullptr);
  EXPECT_NE(ProxyFor(c, true, "notexample.com"), nullptr);
  EXPECT_EQ(ProxyFor(c, false, "other.test"), nullptr);  // no http_proxy
}

TEST_F(ProxyRulesTest, EnvironmentErrorsNameTheVariable) {
  env_["HTTPS_PROXY"] = "ftp://p";
  Config c;
  EXPECT_EQ(ResolveProxies(std::nullopt, FakeEnv, &c).message(),
            "environment variable HTTPS_PROXY: invalid proxy URL: unsupported scheme (http://, https://, "
            "socks5:// and socks5h:// are)");
}

}  // namespace
}  // namespace urlsweep
