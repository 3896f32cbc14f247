// Retry-After (RFC 9110 section 10.2.3) read against an injected wall clock.
#include "http/retry_after.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

// "Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 section 5.6.7's example, in seconds since the epoch.
constexpr int64_t kExampleDateS = 784111777;
constexpr char kExampleDate[] = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr int64_t kSecondUs = 1'000'000;

TEST(RetryAfterTest, DelaySeconds) {
  EXPECT_EQ(RetryAfterSeconds("5", 0), 5);
  EXPECT_EQ(RetryAfterSeconds("1", kExampleDateS * kSecondUs), 1);
  EXPECT_EQ(RetryAfterSeconds("60", 0), 60);
}

TEST(RetryAfterTest, DelayOfZeroOrLessHoldsNothing) {
  EXPECT_EQ(RetryAfterSeconds("0", 0), 0);
  EXPECT_EQ(RetryAfterSeconds("-5", 0), 0);
}

TEST(RetryAfterTest, CappedAtSixtySeconds) {
  EXPECT_EQ(RetryAfterSeconds("61", 0), kMaxRetryAfterS);
  EXPECT_EQ(RetryAfterSeconds("86400", 0), kMaxRetryAfterS);
  EXPECT_EQ(RetryAfterSeconds(kExampleDate, (kExampleDateS - 3600) * kSecondUs), kMaxRetryAfterS);
}

TEST(RetryAfterTest, FutureImfFixdateIsTheGapFromNow) {
  EXPECT_DOUBLE_EQ(RetryAfterSeconds(kExampleDate, (kExampleDateS - 30) * kSecondUs), 30);
  // The wall clock counts in microseconds; the date in whole seconds.
  EXPECT_DOUBLE_EQ(RetryAfterSeconds(kExampleDate, (kExampleDateS - 30) * kSecondUs + kSecondUs / 2), 29.5);
}

TEST(RetryAfterTest, PastOrPresentImfFixdateHoldsNothing) {
  EXPECT_EQ(RetryAfterSeconds(kExampleDate, kExampleDateS * kSecondUs), 0);
  EXPECT_EQ(RetryAfterSeconds(kExampleDate, (kExampleDateS + 1) * kSecondUs), 0);
  EXPECT_EQ(RetryAfterSeconds(kExampleDate, (kExampleDateS + 86400) * kSecondUs), 0);
}

TEST(RetryAfterTest, GarbageHoldsNothing) {
  const int64_t now = (kExampleDateS - 30) * kSecondUs;
  for (const char* value : {"", " ", "soon", "1.5", "12abc", "0x10", "Sun, 06 Nov 1994", "06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 32 Nov 1994 08:49:37 GMT"}) {
    EXPECT_EQ(RetryAfterSeconds(value, now), 0) << "'" << value << "'";
  }
}

// RFC 9110 section 5.6.7 asks recipients to accept the obsolete forms too; they are not read (a server
// sending them holds nothing), as before these tests were written.
TEST(RetryAfterTest, ObsoleteDateFormsHoldNothing) {
  const int64_t now = (kExampleDateS - 30) * kSecondUs;
  EXPECT_EQ(RetryAfterSeconds("Sunday, 06-Nov-94 08:49:37 GMT", now), 0);  // RFC 850
  EXPECT_EQ(RetryAfterSeconds("Sun Nov  6 08:49:37 1994", now), 0);        // asctime
}

}  // namespace
}  // namespace urlsweep
