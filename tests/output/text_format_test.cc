// The text value formats: timestamps against fixed values and against glibc's gmtime_r across about
// 16,000 years, milliseconds with three decimals and no "-0.000".
#include "output/text_format.h"

#include <stdio.h>
#include <time.h>

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

std::string Timestamp(int64_t micros) {
  std::string out;
  AppendTimestamp(micros, &out);
  return out;
}

TEST(FormatTest, Timestamps) {
  EXPECT_EQ(Timestamp(0), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(Timestamp(1795969551123456), "2026-11-29T16:25:51.123456Z");
  EXPECT_EQ(Timestamp(-1), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp(-1000000), "1969-12-31T23:59:59.000000Z");
  EXPECT_EQ(Timestamp(-2203977600000000 + 86400000000), "1900-03-01T00:00:00.000000Z");
  EXPECT_EQ(Timestamp(2147483648000000), "2038-01-19T03:14:08.000000Z");
  EXPECT_EQ(Timestamp(-62135596800000000), "0001-01-01T00:00:00.000000Z");
  EXPECT_EQ(Timestamp(253402300799999999), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(Timestamp(253402300800000000), "+10000-01-01T00:00:00.000000Z");
}

// Every day from 1559 to 2380, every 97th day from about 6250 BC to AD 10180, and both ends of the
// int64 range, against glibc's gmtime_r (64-bit time_t).
TEST(FormatTest, TimestampsMatchGmtime) {
  const auto from_gmtime = [](int64_t micros) {
    int64_t seconds = micros / 1000000;
    int64_t fraction = micros % 1000000;
    if (fraction < 0) {
      fraction += 1000000;
      --seconds;
    }
    time_t t = static_cast<time_t>(seconds);
    struct tm tm;
    EXPECT_NE(gmtime_r(&t, &tm), nullptr);
    const int64_t year = static_cast<int64_t>(tm.tm_year) + 1900;
    char text[64];
    const char* sign = year < 0 ? "-" : (year > 9999 ? "+" : "");
    snprintf(text, sizeof(text), "%s%04lld-%02d-%02dT%02d:%02d:%02d.%06lldZ", sign,
             static_cast<long long>(year < 0 ? -year : year), tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, static_cast<long long>(fraction));
    return std::string(text);
  };
  constexpr int64_t kMicrosPerDay = 86400000000;
  constexpr int64_t kEveryDay = 150000;
  constexpr int64_t kSampledDays = 3000000;
  constexpr int64_t kSampleStride = 97;
  int mismatches = 0;
  for (int64_t day = -kSampledDays; day <= kSampledDays && mismatches < 5;
       day += (day >= -kEveryDay && day < kEveryDay) ? 1 : kSampleStride) {
    // A different time of day each day, so hours, minutes, seconds and microseconds vary too.
    const int64_t micros = day * kMicrosPerDay + (day * 7919 * 1000003) % kMicrosPerDay;
    if (Timestamp(micros) != from_gmtime(micros)) {
      ++mismatches;
      ADD_FAILURE() << micros << ": " << Timestamp(micros) << " != " << from_gmtime(micros);
    }
  }
  EXPECT_EQ(Timestamp(kInt64Max), from_gmtime(kInt64Max));
  EXPECT_EQ(Timestamp(kInt64Min), from_gmtime(kInt64Min));
}

TEST(FormatTest, Millis) {
  const auto millis = [](double ms) {
    std::string out;
    AppendMillis(ms, &out);
    return out;
  };
  EXPECT_EQ(millis(0), "0.000");
  EXPECT_EQ(millis(-0.0), "0.000");
  EXPECT_EQ(millis(-0.0001), "0.000");
  EXPECT_EQ(millis(12.345), "12.345");
  EXPECT_EQ(millis(1234567.891), "1234567.891");
  EXPECT_EQ(millis(0.0015), "0.002");
  EXPECT_EQ(millis(1e15), "1000000000000000.000");
  EXPECT_EQ(millis(1e-9), "0.000");
}
TEST(FormatTest, Int64) {
  const auto text = [](int64_t value) {
    std::string out;
    AppendInt64(value, &out);
    return out;
  };
  EXPECT_EQ(text(0), "0");
  EXPECT_EQ(text(-1), "-1");
  EXPECT_EQ(text(1256), "1256");
  EXPECT_EQ(text(kInt64Max), "9223372036854775807");
  EXPECT_EQ(text(kInt64Min), "-9223372036854775808");
}

}  // namespace
}  // namespace urlsweep
