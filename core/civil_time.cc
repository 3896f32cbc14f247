// Both directions count in eras of 400 years starting on a March 1st (Howard Hinnant, "chrono-Compatible
// Low-Level Date Algorithms"): the Gregorian calendar repeats every 400 years, and a year that starts in
// March ends with its leap day, so a date follows from integer division alone.
#include "core/civil_time.h"

namespace urlsweep {
namespace {

// Days in one 400-year era: 400 * 365 + 100 leap days - 3 skipped century leap days.
constexpr int64_t kDaysPerEra = 146'097;
constexpr int64_t kYearsPerEra = 400;
// Days from 0000-03-01 (the start of an era) to 1970-01-01.
constexpr int64_t kEraStartToUnixEpochDays = 719'468;

}  // namespace

CivilDate CivilFromDays(int64_t unix_days) {
  const int64_t days = unix_days + kEraStartToUnixEpochDays;
  const int64_t era = FloorDiv(days, kDaysPerEra);
  const int64_t day_of_era = days - era * kDaysPerEra;  // 0..146096
  // Years within the era: subtract the leap days accumulated before `day_of_era` (one per 4 years,
  // none per 100, one per 400; the era's last day is the 400th year's leap day) and divide by 365.
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / (kDaysPerEra - 1)) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  // Months from March have lengths 31,30,31,30,31 repeating; (5 * d + 2) / 153 finds the month.
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // 0..11
  const int day = static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  const int month = static_cast<int>(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
  const int64_t year = year_of_era + era * kYearsPerEra + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;  // January and February end the year that began the March before
  const int64_t era = FloorDiv(year, kYearsPerEra);
  const int64_t year_of_era = year - era * kYearsPerEra;  // 0..399
  // The inverse of CivilFromDays's month formula: days from March 1st to the first of `month`.
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * kDaysPerEra + day_of_era - kEraStartToUnixEpochDays;
}

bool IsLeapYear(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

}  // namespace urlsweep
