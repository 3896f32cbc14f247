#include "core/ip_address.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace urlsweep {
namespace {

std::string Text(const IpAddress& ip) {
  char buf[INET6_ADDRSTRLEN];
  return std::string(FormatIpAddress(ip, buf));
}

TEST(IpAddressTest, ParsesAndFormatsLiterals) {
  IpAddress ip;
  ASSERT_TRUE(ParseIpLiteral("127.0.1.5", &ip));
  EXPECT_EQ(ip.family, AF_INET);
  EXPECT_EQ(Text(ip), "127.0.1.5");
  ASSERT_TRUE(ParseIpLiteral("2001:DB8:0:0:0:0:0:1", &ip));
  EXPECT_EQ(ip.family, AF_INET6);
  EXPECT_EQ(Text(ip), "2001:db8::1");  // the ip column's RFC 5952 form
  ASSERT_TRUE(ParseIpLiteral("::ffff:10.0.0.1", &ip));
  EXPECT_EQ(Text(ip), "::ffff:10.0.0.1");
}

TEST(IpAddressTest, FormatsEveryIpv4OctetAsInetNtopDoes) {
  IpAddress ip;
  ip.family = AF_INET;
  for (unsigned v = 0; v < 256; ++v) {
    const unsigned char bytes[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(255 - v),
                                    static_cast<unsigned char>(v / 3), static_cast<unsigned char>(v * 7)};
    std::memcpy(ip.bytes, bytes, 4);
    char expected[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, bytes, expected, sizeof expected), nullptr);
    EXPECT_EQ(Text(ip), expected);
  }
}

TEST(IpAddressTest, NamesAndBadLiteralsAreNotAddresses) {
  IpAddress ip;
  ip.family = AF_INET;
  ip.bytes[0] = 9;
  for (const char* text : {"example.com", "", "1.2.3", "256.0.0.1", "fe80::1%eth0", "[::1]",
                           "1111:2222:3333:4444:5555:6666:7777:8888:9999:0000:aaaa"}) {
    EXPECT_FALSE(ParseIpLiteral(text, &ip)) << text;
  }
  EXPECT_EQ(ip.family, AF_INET);  // untouched on failure
  EXPECT_EQ(ip.bytes[0], 9);
  // Not NUL-terminated: only the view's bytes count.
  std::string padded = "10.1.2.3garbage";
  ASSERT_TRUE(ParseIpLiteral(std::string_view(padded).substr(0, 8), &ip));
  EXPECT_EQ(Text(ip), "10.1.2.3");
}

TEST(IpAddressTest, SocketAddressCarriesAddressAndPort) {
  IpAddress v4;
  ASSERT_TRUE(ParseIpLiteral("192.0.2.7", &v4));
  SocketAddress a = ToSocketAddress(v4, 8443);
  EXPECT_EQ(a.sa.sa_family, AF_INET);
  EXPECT_EQ(ntohs(a.in4.sin_port), 8443);
  EXPECT_EQ(PortOf(a), 8443);
  EXPECT_EQ(Text(AddressOf(a)), "192.0.2.7");

  IpAddress v6;
  ASSERT_TRUE(ParseIpLiteral("::1", &v6));
  SocketAddress b = ToSocketAddress(v6, 80);
  EXPECT_EQ(b.sa.sa_family, AF_INET6);
  EXPECT_EQ(PortOf(b), 80);
  EXPECT_EQ(b.in6.sin6_scope_id, 0u);
  EXPECT_EQ(Text(AddressOf(b)), "::1");
}

TEST(IpAddressTest, FromSockaddrKeepsTheAddressOnly) {
  sockaddr_storage storage;
  std::memset(&storage, 0, sizeof(storage));
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&storage);
  sin6->sin6_family = AF_INET6;
  sin6->sin6_port = htons(53);
  ASSERT_EQ(inet_pton(AF_INET6, "2001:db8::53", &sin6->sin6_addr), 1);
  IpAddress ip;
  ASSERT_TRUE(IpAddressFromSockaddr(reinterpret_cast<const sockaddr*>(&storage), &ip));
  EXPECT_EQ(Text(ip), "2001:db8::53");
  // The port is applied when connecting, not kept.
  EXPECT_EQ(PortOf(ToSocketAddress(ip, 443)), 443);

  storage.ss_family = AF_UNIX;
  ip = IpAddress{};
  EXPECT_FALSE(IpAddressFromSockaddr(reinterpret_cast<const sockaddr*>(&storage), &ip));
  EXPECT_EQ(ip.family, 0);
  EXPECT_EQ(Text(ip), "");
}

}  // namespace
}  // namespace urlsweep
