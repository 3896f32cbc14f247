#include "dns/cache.h"

#include <arpa/inet.h>

#include <string>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

// c-ares statuses, spelled out so the pure cache test needs no ares.h.
constexpr int kSuccess = 0;
constexpr int kNoData = 1;    // ARES_ENODATA
constexpr int kNotFound = 4;  // ARES_ENOTFOUND

DnsCache::Answer V4Answer(const char* ip) {
  DnsCache::Answer answer;
  DnsCache::Address address;
  address.family = AF_INET;
  inet_pton(AF_INET, ip, address.bytes);
  answer.addresses.push_back(address);
  return answer;
}

DnsCache::Answer Negative(int status) {
  DnsCache::Answer answer;
  answer.ares_status = status;
  return answer;
}

std::string FirstIp(const DnsCache::Answer* answer) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(answer->addresses[0].family, answer->addresses[0].bytes, text, sizeof(text));
  return text;
}

TEST(DnsCacheTest, MissOnEmptyCache) {
  DnsCache cache(10);
  EXPECT_EQ(cache.Find("example.test", 0), nullptr);
}

TEST(DnsCacheTest, PositiveAnswerLivesForItsTtl) {
  DnsCache cache(10);
  cache.Insert("a.test", V4Answer("192.0.2.1"), /*ttl_s=*/300, /*now_ms=*/1000);
  const DnsCache::Answer* hit = cache.Find("a.test", 1000 + 299'999);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(hit->ares_status, kSuccess);
  EXPECT_EQ(FirstIp(hit), "192.0.2.1");
  EXPECT_EQ(cache.Find("a.test", 1000 + 300'000), nullptr);
}

TEST(DnsCacheTest, ExpiredEntryIsDropped) {
  DnsCache cache(10);
  cache.Insert("a.test", V4Answer("192.0.2.1"), 60, 0);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find("a.test", 61'000), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(DnsCacheTest, ShortTtlIsRaisedToMinimum) {
  DnsCache cache(10);
  cache.Insert("zero.test", V4Answer("192.0.2.1"), /*ttl_s=*/0, 0);
  EXPECT_NE(cache.Find("zero.test", DnsCache::kMinTtlS * 1000 - 1), nullptr);
  EXPECT_EQ(cache.Find("zero.test", DnsCache::kMinTtlS * 1000), nullptr);
}

TEST(DnsCacheTest, LongTtlIsCappedToMaximum) {
  DnsCache cache(10);
  cache.Insert("long.test", V4Answer("192.0.2.1"), /*ttl_s=*/7 * 86400, 0);
  EXPECT_NE(cache.Find("long.test", uint64_t{DnsCache::kMaxTtlS} * 1000 - 1), nullptr);
  EXPECT_EQ(cache.Find("long.test", uint64_t{DnsCache::kMaxTtlS} * 1000), nullptr);
}

TEST(DnsCacheTest, NegativeAnswersLiveTheNegativeTtlWhateverTheirTtl) {
  DnsCache cache(10);
  cache.Insert("nx.test", Negative(kNotFound), /*ttl_s=*/5, 0);
  cache.Insert("nodata.test", Negative(kNoData), /*ttl_s=*/86400, 0);
  const uint64_t lifetime_ms = uint64_t{DnsCache::kNegativeTtlS} * 1000;
  const DnsCache::Answer* nx = cache.Find("nx.test", lifetime_ms - 1);
  ASSERT_NE(nx, nullptr);
  EXPECT_EQ(nx->ares_status, kNotFound);
  EXPECT_TRUE(nx->addresses.empty());
  const DnsCache::Answer* nodata = cache.Find("nodata.test", lifetime_ms - 1);
  ASSERT_NE(nodata, nullptr);
  EXPECT_EQ(nodata->ares_status, kNoData);
  EXPECT_EQ(cache.Find("nx.test", lifetime_ms), nullptr);
  EXPECT_EQ(cache.Find("nodata.test", lifetime_ms), nullptr);
}

TEST(DnsCacheTest, LeastRecentlyUsedIsEvictedBeyondCapacity) {
  DnsCache cache(2);
  cache.Insert("a.test", V4Answer("192.0.2.1"), 300, 0);
  cache.Insert("b.test", V4Answer("192.0.2.2"), 300, 1);
  ASSERT_NE(cache.Find("a.test", 2), nullptr);  // a is now more recent than b
  cache.Insert("c.test", V4Answer("192.0.2.3"), 300, 3);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.Find("b.test", 4), nullptr);
  ASSERT_NE(cache.Find("a.test", 4), nullptr);
  ASSERT_NE(cache.Find("c.test", 4), nullptr);
}

TEST(DnsCacheTest, ReinsertReplacesAnswerAndExpiryWithoutGrowing) {
  DnsCache cache(2);
  cache.Insert("a.test", V4Answer("192.0.2.1"), 30, 0);
  cache.Insert("a.test", V4Answer("192.0.2.9"), 600, 10'000);
  EXPECT_EQ(cache.size(), 1u);
  const DnsCache::Answer* hit = cache.Find("a.test", 10'000 + 599'999);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(FirstIp(hit), "192.0.2.9");
}

TEST(DnsCacheTest, ReinsertRefreshesRecency) {
  DnsCache cache(2);
  cache.Insert("a.test", V4Answer("192.0.2.1"), 300, 0);
  cache.Insert("b.test", V4Answer("192.0.2.2"), 300, 0);
  cache.Insert("a.test", V4Answer("192.0.2.1"), 300, 0);
  cache.Insert("c.test", V4Answer("192.0.2.3"), 300, 0);
  EXPECT_NE(cache.Find("a.test", 1), nullptr);
  EXPECT_EQ(cache.Find("b.test", 1), nullptr);
}

TEST(DnsCacheTest, ZeroCapacityStoresNothing) {
  DnsCache cache(0);
  cache.Insert("a.test", V4Answer("192.0.2.1"), 300, 0);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.Find("a.test", 0), nullptr);
}

TEST(DnsCacheTest, KeepsItsOwnCopyOfTheName) {
  DnsCache cache(10);
  {
    std::string name = "a-name-longer-than-the-small-string-buffer.test";
    cache.Insert(name, V4Answer("192.0.2.1"), 300, 0);
    name.assign(name.size(), 'x');
  }
  EXPECT_NE(cache.Find("a-name-longer-than-the-small-string-buffer.test", 1), nullptr);
}

TEST(DnsCacheTest, KeepsIpv6AndManyAddresses) {
  DnsCache cache(10);
  DnsCache::Answer answer;
  for (int i = 0; i < 5; ++i) {
    DnsCache::Address address;
    address.family = AF_INET6;
    inet_pton(AF_INET6, ("2001:db8::" + std::to_string(i + 1)).c_str(), address.bytes);
    answer.addresses.push_back(address);
  }
  cache.Insert("v6.test", answer, 300, 0);
  const DnsCache::Answer* hit = cache.Find("v6.test", 1);
  ASSERT_NE(hit, nullptr);
  ASSERT_EQ(hit->addresses.size(), 5u);
  char text[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, hit->addresses[4].bytes, text, sizeof(text));
  EXPECT_STREQ(text, "2001:db8::5");
}

}  // namespace
}  // namespace urlsweep
