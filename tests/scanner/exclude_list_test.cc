#include "scanner/exclude_list.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>

namespace urlsweep {
namespace {

sockaddr_storage Addr(const char* text) {
  sockaddr_storage ss{};
  if (std::strchr(text, ':') != nullptr) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    a6->sin6_family = AF_INET6;
    EXPECT_EQ(inet_pton(AF_INET6, text, &a6->sin6_addr), 1);
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    a4->sin_family = AF_INET;
    EXPECT_EQ(inet_pton(AF_INET, text, &a4->sin_addr), 1);
  }
  return ss;
}

TEST(ExcludeListTest, NamesMatchThemselvesAndSubdomainsOnly) {
  auto list = ExcludeList::Parse("# never touch\nExample.COM\n\n  .corp.test.  # trailing comment\n", "x");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->MatchesHost("example.com"));
  EXPECT_TRUE(list->MatchesHost("a.b.example.com"));
  EXPECT_FALSE(list->MatchesHost("badexample.com"));
  EXPECT_FALSE(list->MatchesHost("example.com.evil.test"));
  EXPECT_TRUE(list->MatchesHost("corp.test"));
  EXPECT_TRUE(list->MatchesHost("x.corp.test"));
  EXPECT_FALSE(list->MatchesHost("test"));
}

TEST(ExcludeListTest, AddressesAndNetworks) {
  auto list = ExcludeList::Parse("127.0.0.5\n127.0.2.0/24\n::1\nfd00::/8\n10.1.2.3/31\n", "x");
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_TRUE(list->MatchesAddress(Addr("127.0.0.5")));
  EXPECT_FALSE(list->MatchesAddress(Addr("127.0.0.6")));
  EXPECT_TRUE(list->MatchesAddress(Addr("127.0.2.0")));
  EXPECT_TRUE(list->MatchesAddress(Addr("127.0.2.255")));
  EXPECT_FALSE(list->MatchesAddress(Addr("127.0.3.0")));
  EXPECT_TRUE(list->MatchesAddress(Addr("::1")));
  EXPECT_TRUE(list->MatchesAddress(Addr("fdab::1")));
  EXPECT_FALSE(list->MatchesAddress(Addr("fe80::1")));
  EXPECT_TRUE(list->MatchesAddress(Addr("10.1.2.2")));
  EXPECT_TRUE(list->MatchesAddress(Addr("10.1.2.3")));
  EXPECT_FALSE(list->MatchesAddress(Addr("10.1.2.4")));
  // Literal hosts are checked as addresses; a mapped IPv6 address reaches the IPv4 host.
  EXPECT_TRUE(list->MatchesHost("127.0.2.7"));
  EXPECT_TRUE(list->MatchesAddress(Addr("::ffff:127.0.0.5")));
  // Also as a literal, which is all a proxied URL offers to check.
  EXPECT_TRUE(list->MatchesHost("::ffff:127.0.0.5"));
  EXPECT_TRUE(list->MatchesHost("::ffff:127.0.2.9"));
  EXPECT_FALSE(list->MatchesHost("::ffff:127.0.0.6"));
  EXPECT_FALSE(list->MatchesHost("::127.0.0.5"));  // IPv4-compatible, not mapped
}

TEST(ExcludeListTest, BadEntriesNameFileAndLine) {
  auto bad = ExcludeList::Parse("ok.test\n127.0.0.1/33\n", "ex.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--exclude ex.txt line 2: bad prefix length in '127.0.0.1/33'");
  bad = ExcludeList::Parse("a b\n", "ex.txt");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "--exclude ex.txt line 1: not an address, network or host name: 'a b'");
  EXPECT_FALSE(ExcludeList::Load("/nonexistent/ex.txt").ok());
}

}  // namespace
}  // namespace urlsweep
