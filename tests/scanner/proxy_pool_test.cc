// ProxyPool: the first choice per host or per URL, rests after kFailuresToRest failures in a row, and
// the search past resting proxies.
#include "scanner/proxy_pool.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

std::vector<ProxySpec> Proxies(int n) {
  std::vector<ProxySpec> v(n);
  for (int i = 0; i < n; ++i) v[i].port = static_cast<uint16_t>(1000 + i);
  return v;
}

constexpr uint64_t kT0 = 1'000'000'000'000;

TEST(ProxyPoolTest, HostRotationIsStablePerHost) {
  auto proxies = Proxies(4);
  ProxyPool pool(&proxies, ProxyRotate::kHost);
  std::set<size_t> seen;
  for (int i = 0; i < 40; ++i) {
    std::string host = "h";
    host += std::to_string(i);
    host += ".example";
    const size_t first = pool.FirstChoice(host);
    EXPECT_EQ(pool.FirstChoice(host), first);
    EXPECT_LT(first, 4u);
    seen.insert(first);
  }
  EXPECT_EQ(seen.size(), 4u);  // 40 hosts spread over all four
}

TEST(ProxyPoolTest, UrlRotationTakesTurns) {
  auto proxies = Proxies(3);
  ProxyPool pool(&proxies, ProxyRotate::kUrl);
  EXPECT_EQ(pool.FirstChoice("a"), 0u);
  EXPECT_EQ(pool.FirstChoice("a"), 1u);
  EXPECT_EQ(pool.FirstChoice("a"), 2u);
  EXPECT_EQ(pool.FirstChoice("a"), 0u);
}

TEST(ProxyPoolTest, ThreeFailuresInARowRestThirtySeconds) {
  auto proxies = Proxies(2);
  ProxyPool pool(&proxies, ProxyRotate::kHost);
  pool.Failed(0, kT0);
  pool.Failed(0, kT0);
  EXPECT_EQ(pool.Pick(0, kT0), 0);
  pool.Failed(0, kT0);
  EXPECT_EQ(pool.Pick(0, kT0), 1);  // resting: its URLs go to the next one
  EXPECT_EQ(pool.Pick(0, kT0 + ProxyPool::kRestNs - 1), 1);
  EXPECT_EQ(pool.Pick(0, kT0 + ProxyPool::kRestNs), 0);
  // Back from its rest, one more failure rests it again.
  pool.Failed(0, kT0 + ProxyPool::kRestNs);
  EXPECT_EQ(pool.Pick(0, kT0 + ProxyPool::kRestNs + 1), 1);
}

TEST(ProxyPoolTest, SuccessResetsTheCount) {
  auto proxies = Proxies(2);
  ProxyPool pool(&proxies, ProxyRotate::kHost);
  pool.Failed(1, kT0);
  pool.Failed(1, kT0);
  pool.Succeeded(1);
  pool.Failed(1, kT0);
  pool.Failed(1, kT0);
  EXPECT_EQ(pool.Pick(1, kT0), 1);
}

TEST(ProxyPoolTest, AllRestingPicksNone) {
  auto proxies = Proxies(2);
  ProxyPool pool(&proxies, ProxyRotate::kHost);
  for (size_t i = 0; i < 2; ++i) {
    for (int k = 0; k < ProxyPool::kFailuresToRest; ++k) pool.Failed(i, kT0);
  }
  EXPECT_EQ(pool.Pick(0, kT0), -1);
  EXPECT_EQ(pool.Pick(1, kT0 + 1), -1);
  EXPECT_EQ(pool.Pick(1, kT0 + ProxyPool::kRestNs), 1);
}

}  // namespace
}  // namespace urlsweep
