// Civil dates from and to days since the Unix epoch: fixed points, the leap-year rule, every day from
// 1970 to 2400 against a day-by-day calendar walk, and round trips far beyond it.
#include "core/civil_time.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

void ExpectDate(int64_t unix_days, int64_t year, int month, int day) {
  const CivilDate date = CivilFromDays(unix_days);
  EXPECT_EQ(date.year, year) << unix_days;
  EXPECT_EQ(date.month, month) << unix_days;
  EXPECT_EQ(date.day, day) << unix_days;
  EXPECT_EQ(DaysFromCivil(year, month, day), unix_days) << year << "-" << month << "-" << day;
}

TEST(CivilTimeTest, Epoch) {
  ExpectDate(0, 1970, 1, 1);
  ExpectDate(-1, 1969, 12, 31);
  ExpectDate(1, 1970, 1, 2);
  ExpectDate(365, 1971, 1, 1);
}

TEST(CivilTimeTest, KnownDates) {
  ExpectDate(10'957, 2000, 1, 1);
  ExpectDate(11'016, 2000, 2, 29);
  ExpectDate(24'855, 2038, 1, 19);  // the last day a signed 32-bit time_t reaches
  ExpectDate(-719'528, 0, 1, 1);
  ExpectDate(-719'468, 0, 3, 1);    // the start of an era
  ExpectDate(-141'427, 1582, 10, 15);  // the first Gregorian day
  ExpectDate(2'932'896, 9999, 12, 31);
  ExpectDate(2'932'897, 10000, 1, 1);
  ExpectDate(-719'529, -1, 12, 31);
}

TEST(CivilTimeTest, FloorDivRoundsDown) {
  EXPECT_EQ(FloorDiv(7, 2), 3);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(-8, 2), -4);
  EXPECT_EQ(FloorDiv(0, 5), 0);
  EXPECT_EQ(FloorDiv(-1, kMicrosPerDay), -1);
  EXPECT_EQ(FloorDiv(INT64_MIN, kMicrosPerDay), -106'751'992);
}

TEST(CivilTimeTest, LeapYears) {
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(0));
  EXPECT_TRUE(IsLeapYear(-4));
  EXPECT_TRUE(IsLeapYear(2400));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2100));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_FALSE(IsLeapYear(-100));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
  EXPECT_EQ(DaysInMonth(1900, 2), 28);
  EXPECT_EQ(DaysInMonth(2000, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 4), 30);
  EXPECT_EQ(DaysInMonth(2023, 12), 31);
  // A leap day exists only in leap years.
  EXPECT_EQ(CivilFromDays(DaysFromCivil(2024, 2, 29)).month, 2);
  EXPECT_EQ(CivilFromDays(DaysFromCivil(2023, 2, 29)).month, 3);
}

// Every day from 1970-01-01 to 2400-12-31, walked one at a time with DaysInMonth as the calendar.
TEST(CivilTimeTest, EveryDayFrom1970To2400) {
  int64_t unix_days = 0;
  for (int64_t year = 1970; year <= 2400; ++year) {
    for (int month = 1; month <= 12; ++month) {
      for (int day = 1; day <= DaysInMonth(year, month); ++day, ++unix_days) {
        const CivilDate date = CivilFromDays(unix_days);
        ASSERT_EQ(date.year, year) << unix_days;
        ASSERT_EQ(date.month, month) << unix_days;
        ASSERT_EQ(date.day, day) << unix_days;
        ASSERT_EQ(DaysFromCivil(year, month, day), unix_days);
      }
    }
  }
  EXPECT_EQ(unix_days, DaysFromCivil(2401, 1, 1));
}

// Days to date and back, across the whole range int64 microseconds reach (about +-292,000 years),
// consecutive days always one calendar day apart.
TEST(CivilTimeTest, RoundTrip) {
  const int64_t limit = FloorDiv(INT64_MAX, kMicrosPerDay) + 1;
  for (int64_t unix_days = -limit; unix_days <= limit; unix_days += 997) {
    const CivilDate date = CivilFromDays(unix_days);
    ASSERT_GE(date.month, 1);
    ASSERT_LE(date.month, 12);
    ASSERT_GE(date.day, 1);
    ASSERT_LE(date.day, DaysInMonth(date.year, date.month));
    ASSERT_EQ(DaysFromCivil(date.year, date.month, date.day), unix_days) << date.year;
    const CivilDate next = CivilFromDays(unix_days + 1);
    if (date.day < DaysInMonth(date.year, date.month)) {
      ASSERT_EQ(next.day, date.day + 1);
    } else {
      ASSERT_EQ(next.day, 1);
      ASSERT_EQ(next.month, date.month == 12 ? 1 : date.month + 1);
      ASSERT_EQ(next.year, date.month == 12 ? date.year + 1 : date.year);
    }
  }
}

}  // namespace
}  // namespace urlsweep
