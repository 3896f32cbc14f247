#include "core/host_match.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace urlsweep {
namespace {

IpAddress Ip(const char* text) {
  IpAddress ip;
  EXPECT_TRUE(ParseIpLiteral(text, &ip)) << text;
  return ip;
}

TEST(HostMatchTest, CidrContains) {
  Cidr cidr;
  ASSERT_TRUE(ParseCidr("10.0.0.0/8", &cidr));
  EXPECT_TRUE(cidr.Contains(Ip("10.255.1.2")));
  EXPECT_FALSE(cidr.Contains(Ip("11.0.0.0")));
  EXPECT_FALSE(cidr.Contains(Ip("::ffff:10.0.0.1")));  // the other family, mapped or not

  ASSERT_TRUE(ParseCidr("192.168.44.0/22", &cidr));  // a prefix inside a byte
  EXPECT_TRUE(cidr.Contains(Ip("192.168.47.255")));
  EXPECT_FALSE(cidr.Contains(Ip("192.168.48.0")));
  EXPECT_FALSE(cidr.Contains(Ip("192.168.43.255")));

  ASSERT_TRUE(ParseCidr("fd00::/8", &cidr));
  EXPECT_TRUE(cidr.Contains(Ip("fd12::5")));
  EXPECT_FALSE(cidr.Contains(Ip("fe80::5")));
  EXPECT_FALSE(cidr.Contains(Ip("10.0.0.1")));

  ASSERT_TRUE(ParseCidr("0.0.0.0/0", &cidr));
  EXPECT_TRUE(cidr.Contains(Ip("1.2.3.4")));
  ASSERT_TRUE(ParseCidr("10.1.2.3/32", &cidr));
  EXPECT_TRUE(cidr.Contains(Ip("10.1.2.3")));
  EXPECT_FALSE(cidr.Contains(Ip("10.1.2.2")));
}

TEST(HostMatchTest, HostBitsAreCleared) {
  Cidr cidr;
  ASSERT_TRUE(ParseCidr("10.1.2.3/31", &cidr));
  EXPECT_EQ(cidr.network.bytes[3], 2);
  EXPECT_TRUE(cidr.Contains(Ip("10.1.2.2")));
  EXPECT_TRUE(cidr.Contains(Ip("10.1.2.3")));
  EXPECT_FALSE(cidr.Contains(Ip("10.1.2.4")));
}

TEST(HostMatchTest, BadCidrs) {
  Cidr cidr;
  for (const char* bad : {"10.0.0.0", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/+8",
                          "10.0.0.0/ 8", "10.0.0.0/8x", "example.com/8", "/8", "[::1]/128", "010.0.0.0/8"}) {
    EXPECT_FALSE(ParseCidr(bad, &cidr)) << bad;
  }
  IpAddress v4 = Ip("10.0.0.0");
  EXPECT_FALSE(MakeCidr(v4, 33, &cidr));
  EXPECT_FALSE(MakeCidr(v4, -1, &cidr));
  EXPECT_TRUE(MakeCidr(Ip("::"), 128, &cidr));
}

TEST(HostMatchTest, DomainMatchesNameAndSubdomains) {
  EXPECT_TRUE(DomainMatches("example.com", "example.com"));
  EXPECT_TRUE(DomainMatches("a.b.example.com", "example.com"));
  EXPECT_TRUE(DomainMatches("A.Example.COM", "example.com"));
  EXPECT_FALSE(DomainMatches("badexample.com", "example.com"));
  EXPECT_FALSE(DomainMatches("example.com.evil", "example.com"));
  EXPECT_FALSE(DomainMatches("com", "example.com"));
  EXPECT_FALSE(DomainMatches("", "example.com"));
  EXPECT_TRUE(DomainMatches("a..example.com", "example.com"));
}

TEST(HostMatchTest, AnyDomainOfWalksParentsInOrder) {
  std::vector<std::string> seen;
  EXPECT_FALSE(AnyDomainOf("a.b.example", [&](std::string_view name) {
    seen.emplace_back(name);
    return false;
  }));
  EXPECT_EQ(seen, (std::vector<std::string>{"a.b.example", "b.example", "example"}));
  seen.clear();
  EXPECT_TRUE(AnyDomainOf("a.b.example", [&](std::string_view name) {
    seen.emplace_back(name);
    return name == "b.example";
  }));
  EXPECT_EQ(seen.size(), 2u);
}

}  // namespace
}  // namespace urlsweep
