// The writer factory and the value formats the text writers share (CONTRACT "Output": timestamps are
// ISO 8601 UTC with microseconds and 'Z'; milliseconds are plain decimals).
#include "output/writer.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "output/text_line_writer.h"
#include "output/parquet/parquet_writer.h"

namespace urlsweep {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kMicrosPerDay = kMicrosPerSecond * kSecondsPerDay;

// The Gregorian calendar repeats every 400 years, which hold exactly this many days. Counting in such
// eras from a March 1st puts the leap day at the end of each computed year, so a date follows from
// integer division alone: no table, no gmtime_r (which takes the time zone lock on every call in glibc),
// and no 32-bit time_t limit in 2038.
constexpr int64_t kDaysPerEra = 146'097;
// Days from 0000-03-01 (the start of an era in the proleptic Gregorian calendar) to 1970-01-01.
constexpr int64_t kEraStartToUnixEpochDays = 719'468;

// Half of the last digit AppendMillis keeps: smaller magnitudes print as 0.000, never as "-0.000".
constexpr double kMillisRoundsToZero = 0.0005;

// Enough for any finite double in fixed notation with 3 decimals: 309 integer digits, sign, point.
constexpr size_t kMillisChars = 330;

struct CivilDate {
  int64_t year;
  int month;  // 1..12
  int day;    // 1..31
};

// Floor division: C++ truncates toward zero, which would put 1969-12-31T23:59:59 on day 0.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

CivilDate CivilFromUnixDays(int64_t unix_days) {
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
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return {year, month, day};
}

// Writes `value` (>= 0) as exactly `width` digits ending at `end`, most significant first.
void PutDigits(int64_t value, int width, char* end) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

std::unique_ptr<RowWriter> MakeRowWriter(const Config& config, OutputFile* file) {
  switch (config.format) {
    case OutputFormat::kCsv:
      return std::make_unique<CsvWriter>(file);
    case OutputFormat::kJsonl:
      return std::make_unique<JsonlWriter>(file);
    case OutputFormat::kParquet:
      return MakeParquetWriter(config, file);
    case OutputFormat::kText:
      // Colour is for a terminal; a file or a pipe gets the plain lines.
      return std::make_unique<TextLineWriter>(file, isatty(file->fd()) != 0);
  }
  return nullptr;
}

void AppendTimestamp(int64_t micros_since_epoch, std::string* out) {
  const int64_t unix_days = FloorDiv(micros_since_epoch, kMicrosPerDay);
  // From the remainder, not by subtracting unix_days * kMicrosPerDay, which overflows near INT64_MIN.
  int64_t micros_of_day = micros_since_epoch % kMicrosPerDay;
  if (micros_of_day < 0) micros_of_day += kMicrosPerDay;
  const CivilDate date = CivilFromUnixDays(unix_days);
  const int64_t seconds_of_day = micros_of_day / kMicrosPerSecond;

  // ISO 8601 wants four year digits; years outside 0000..9999 (only from corrupt input: int64
  // microseconds reach about 292,000 years) use its expanded form with a sign.
  if (date.year < 0 || date.year > 9999) {
    out->push_back(date.year < 0 ? '-' : '+');
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof(digits), date.year < 0 ? -date.year : date.year).ptr;
    const size_t length = static_cast<size_t>(end - digits);
    if (length < 4) out->append(4 - length, '0');
    out->append(digits, length);
  } else {
    char year[4];
    PutDigits(date.year, 4, year + 4);
    out->append(year, 4);
  }
  // "-MM-DDTHH:MM:SS.uuuuuuZ"
  char rest[23] = {'-', 0, 0, '-', 0, 0, 'T', 0, 0, ':', 0, 0, ':', 0, 0, '.'};
  PutDigits(date.month, 2, rest + 3);
  PutDigits(date.day, 2, rest + 6);
  PutDigits(seconds_of_day / 3600, 2, rest + 9);
  PutDigits(seconds_of_day / 60 % 60, 2, rest + 12);
  PutDigits(seconds_of_day % 60, 2, rest + 15);
  PutDigits(micros_of_day % kMicrosPerSecond, 6, rest + 22);
  rest[22] = 'Z';
  out->append(rest, sizeof(rest));
}

void AppendMillis(double ms, std::string* out) {
  // Callers pass finite values (the writers treat NaN and infinities as absent).
  if (std::fabs(ms) < kMillisRoundsToZero) ms = 0.0;
  char buffer[kMillisChars];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), ms, std::chars_format::fixed, 3);
  if (ec != std::errc()) return;
  out->append(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace urlsweep
