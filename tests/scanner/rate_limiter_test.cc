// The --rate token bucket, driven by an injected monotonic clock.
#include "scanner/rate_limiter.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kStart = 1'000 * kMs;  // any clock value: only differences count

TEST(RateLimiterTest, StartsWithOneToken) {
  RateLimiter rate;
  rate.Reset(100, kStart);
  EXPECT_TRUE(rate.limited());
  EXPECT_TRUE(rate.TryTake(kStart));
  EXPECT_FALSE(rate.TryTake(kStart));
}

TEST(RateLimiterTest, RefillsByRate) {
  RateLimiter rate;
  rate.Reset(100, kStart);  // one token per 10 ms
  ASSERT_TRUE(rate.TryTake(kStart));
  EXPECT_FALSE(rate.TryTake(kStart + 9 * kMs));
  EXPECT_TRUE(rate.TryTake(kStart + 10 * kMs));
  EXPECT_FALSE(rate.TryTake(kStart + 10 * kMs));
  EXPECT_TRUE(rate.TryTake(kStart + 20 * kMs));
}

TEST(RateLimiterTest, HoldsAtMostTenMillisecondsOfTokens) {
  RateLimiter rate;
  rate.Reset(100'000, kStart);  // 10 ms is 1,000 tokens
  int taken = 0;
  const uint64_t later = kStart + 1'000 * kMs;  // a second idle would be 100,000 tokens
  while (rate.TryTake(later)) ++taken;
  EXPECT_EQ(taken, 1'000);
}

TEST(RateLimiterTest, LowRatesHoldOneToken) {
  RateLimiter rate;
  rate.Reset(1, kStart);  // 10 ms is a hundredth of a token: the bucket still holds one
  ASSERT_TRUE(rate.TryTake(kStart));
  const uint64_t later = kStart + 10'000 * kMs;
  EXPECT_TRUE(rate.TryTake(later));
  EXPECT_FALSE(rate.TryTake(later));
}

TEST(RateLimiterTest, ZeroRateIsNoCap) {
  RateLimiter rate;
  rate.Reset(0, kStart);
  EXPECT_FALSE(rate.limited());
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(rate.TryTake(kStart));
  EXPECT_EQ(rate.NextTokenDelayMs(), 0u);
}

TEST(RateLimiterTest, NextTokenDelay) {
  RateLimiter rate;
  rate.Reset(100, kStart);
  ASSERT_TRUE(rate.TryTake(kStart));
  EXPECT_EQ(rate.NextTokenDelayMs(), 10u);
  // Four tenths of a token came in; the rest takes 6 ms.
  ASSERT_FALSE(rate.TryTake(kStart + 4 * kMs));
  EXPECT_EQ(rate.NextTokenDelayMs(), 6u);
  // Rounded up, so a timer never fires before the token is there: 1/3 ms is 1 ms.
  rate.Reset(3'000, kStart);
  ASSERT_TRUE(rate.TryTake(kStart));
  EXPECT_EQ(rate.NextTokenDelayMs(), 1u);
  // A whole token already waiting: no delay.
  rate.Reset(100, kStart);
  EXPECT_EQ(rate.NextTokenDelayMs(), 0u);
}

}  // namespace
}  // namespace urlsweep
