#include "http/request.h"

#include <string>
#include <utility>
#include <vector>

#include "core/version.h"
#include "gtest/gtest.h"

namespace urlsweep {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// The default User-Agent (core/options.h), from the generated version: no test writes the version.
const std::string kUserAgent = std::string("urlsweep/") + kVersion;
const std::string kUserAgentLine = "User-Agent: " + kUserAgent + "\r\n";

RequestSpec Spec() {
  RequestSpec spec;
  spec.target = "/p?q=1";
  spec.host = "example.com";
  spec.user_agent = kUserAgent;
  return spec;
}

TEST(SerializeRequestTest, GetWithDefaultHeaders) {
  std::string out;
  SerializeRequest(Spec(), &out);
  EXPECT_EQ(out,
            "GET /p?q=1 HTTP/1.1\r\n"
            "Host: example.com\r\n" +
            kUserAgentLine +
            "Accept: */*\r\n"
            "Accept-Encoding: identity\r\n"
            "\r\n");
}

TEST(SerializeRequestTest, HeadAbsoluteFormAndCredentials) {
  RequestSpec spec = Spec();
  spec.method = HttpMethod::kHead;
  spec.target = "http://[::1]:8080/x";
  spec.host = "[::1]:8080";
  spec.authorization = "Basic dXNlcjpwdw==";
  spec.proxy_authorization = "Basic cHJveHk6cHc=";
  std::string out;
  SerializeRequest(spec, &out);
  EXPECT_EQ(out,
            "HEAD http://[::1]:8080/x HTTP/1.1\r\n"
            "Host: [::1]:8080\r\n" +
            kUserAgentLine +
            "Accept: */*\r\n"
            "Accept-Encoding: identity\r\n"
            "Authorization: Basic dXNlcjpwdw==\r\n"
            "Proxy-Authorization: Basic cHJveHk6cHc=\r\n"
            "\r\n");
}

TEST(SerializeRequestTest, ExtraHeadersReplaceRemoveAndAppendInOrder) {
  Headers extra = {{"X-One", "1"}, {"accept", "text/html"}, {"User-Agent", ""},
                   {"X-Two", "2"}, {"X-Empty", ""},         {"Accept", "application/json"}};
  RequestSpec spec = Spec();
  spec.extra_headers = &extra;
  std::string out;
  SerializeRequest(spec, &out);
  EXPECT_EQ(out,
            "GET /p?q=1 HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "accept: text/html\r\n"
            "Accept: application/json\r\n"
            "Accept-Encoding: identity\r\n"
            "X-One: 1\r\n"
            "X-Two: 2\r\n"
            "\r\n");
}

TEST(SerializeRequestTest, HeaderOverridesCredentialsAndHost) {
  Headers extra = {{"AUTHORIZATION", "Bearer t"}, {"host", "virtual.example"}};
  RequestSpec spec = Spec();
  spec.authorization = "Basic dXNlcjpwdw==";
  spec.extra_headers = &extra;
  std::string out;
  SerializeRequest(spec, &out);
  EXPECT_EQ(out,
            "GET /p?q=1 HTTP/1.1\r\n"
            "host: virtual.example\r\n" +
            kUserAgentLine +
            "Accept: */*\r\n"
            "Accept-Encoding: identity\r\n"
            "AUTHORIZATION: Bearer t\r\n"
            "\r\n");
}

TEST(SerializeRequestTest, HeadersThatCouldSplitTheRequestAreDropped) {
  Headers extra = {{"X-Evil", "a\r\nInjected: 1"}, {"X-Lf", "a\nb"},   {"X-Nul", std::string("a\0b", 3)},
                   {"Bad Name", "v"},                {"X\r\nY", "v"},   {"", "v"},
                   {"X:Colon", "v"},                 {"X-Good", "ok"}};
  RequestSpec spec = Spec();
  spec.extra_headers = &extra;
  spec.user_agent = "ua\r\nInjected: 1";
  std::string out;
  SerializeRequest(spec, &out);
  EXPECT_EQ(out,
            "GET /p?q=1 HTTP/1.1\r\n"
            "Host: example.com\r\n"
            "Accept: */*\r\n"
            "Accept-Encoding: identity\r\n"
            "X-Good: ok\r\n"
            "\r\n");
}

TEST(SerializeRequestTest, DroppedOverrideStillDoesNotDuplicateDefault) {
  // An unusable -H Accept is dropped; the default Accept stays, once.
  Headers extra = {{"Accept", "a\r\nb"}};
  RequestSpec spec = Spec();
  spec.extra_headers = &extra;
  std::string out;
  SerializeRequest(spec, &out);
  EXPECT_NE(out.find("Accept: */*\r\n"), std::string::npos);
  EXPECT_EQ(out.find("a\r\nb"), std::string::npos);
}

TEST(SerializeRequestTest, TargetBytesThatCannotStandInARequestLineAreEncoded) {
  RequestSpec spec = Spec();
  spec.target = "/a b\r\nc\x7f\xc3\xa9";
  std::string out;
  SerializeRequest(spec, &out);
  EXPECT_EQ(out.substr(0, out.find("\r\n")), "GET /a%20b%0D%0Ac%7F%C3%A9 HTTP/1.1");
  spec.target = "";
  SerializeRequest(spec, &out);
  EXPECT_EQ(out.substr(0, out.find("\r\n")), "GET / HTTP/1.1");
}

TEST(SerializeRequestTest, ClearsAndReusesTheBuffer) {
  std::string out(4096, 'x');
  const char* data = out.data();
  SerializeRequest(Spec(), &out);
  EXPECT_EQ(out.rfind("GET ", 0), 0u);
  EXPECT_EQ(out.data(), data);  // no reallocation: the capacity was enough
}

TEST(SerializeConnectTest, TunnelRequest) {
  std::string out = "junk";
  SerializeConnect("example.com:443", kUserAgent, "", &out);
  EXPECT_EQ(out,
            "CONNECT example.com:443 HTTP/1.1\r\n"
            "Host: example.com:443\r\n" +
            kUserAgentLine +
            "\r\n");
  SerializeConnect("[2001:db8::1]:8443", "ua", "Basic cDpx", &out);
  EXPECT_EQ(out,
            "CONNECT [2001:db8::1]:8443 HTTP/1.1\r\n"
            "Host: [2001:db8::1]:8443\r\n"
            "User-Agent: ua\r\n"
            "Proxy-Authorization: Basic cDpx\r\n"
            "\r\n");
}

TEST(BasicAuthorizationTest, Rfc7617Examples) {
  EXPECT_EQ(BasicAuthorization("Aladdin", "open sesame"), "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  EXPECT_EQ(BasicAuthorization("user", "pw"), "Basic dXNlcjpwdw==");
  EXPECT_EQ(BasicAuthorization("u", ""), "Basic dTo=");
  EXPECT_EQ(BasicAuthorization("test", "123\xC2\xA3"), "Basic dGVzdDoxMjPCow==");
}

}  // namespace
}  // namespace urlsweep
