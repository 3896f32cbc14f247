// Civil (proleptic Gregorian) dates and days since the Unix epoch, both ways, in integer arithmetic:
// no gmtime_r/timegm (glibc takes the time zone lock on every call), no table, no 32-bit time_t limit in
// 2038, and correct for every day an int64 count of microseconds can reach. The output writers print
// timestamps with it and the report's readers parse them back with it. Pure.
#pragma once

#include <cstdint>

namespace urlsweep {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kSecondsPerDay = 86'400;
inline constexpr int64_t kMicrosPerDay = kMicrosPerSecond * kSecondsPerDay;

struct CivilDate {
  int64_t year;  // astronomical numbering: the year before 1 is 0, before that -1
  int month;     // 1..12
  int day;       // 1..31
};

// a / b rounded toward negative infinity. C++ division truncates toward zero, which would put
// 1969-12-31T23:59:59 on day 0. Inline: every timestamp printed or parsed divides with it.
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// The date of day `unix_days` (0 is 1970-01-01, negative before it).
CivilDate CivilFromDays(int64_t unix_days);

// Days since 1970-01-01 of a date. `month` is 1..12 and `day` 1..31; the date need not exist (Feb 30
// counts on into March), so callers check it with DaysInMonth first. |year| up to 10^12 cannot overflow.
int64_t DaysFromCivil(int64_t year, int month, int day);

bool IsLeapYear(int64_t year);

// 28..31 for `month` 1..12 of `year`.
int DaysInMonth(int64_t year, int month);

}  // namespace urlsweep
