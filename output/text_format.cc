// Timestamps come from integer calendar arithmetic (core/civil_time.h), not gmtime_r, which takes
// glibc's time zone lock on every call and stops at 2038 with a 32-bit time_t.
#include "output/text_format.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <system_error>

#include "core/civil_time.h"

namespace urlsweep {
namespace {

// Half of the last digit AppendMillis keeps: smaller magnitudes print as 0.000, never as "-0.000".
constexpr double kMillisRoundsToZero = 0.0005;

// Enough for any finite double in fixed notation with 3 decimals: 309 integer digits, sign, point.
constexpr size_t kMillisChars = 330;

// Writes `value` (>= 0) as exactly `width` digits ending at `end`, most significant first.
void PutDigits(int64_t value, int width, char* end) {
  for (int i = 0; i < width; ++i) {
    *--end = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

}  // namespace

void AppendTimestamp(int64_t micros_since_epoch, std::string* out) {
  const int64_t unix_days = FloorDiv(micros_since_epoch, kMicrosPerDay);
  // From the remainder, not by subtracting unix_days * kMicrosPerDay, which overflows near INT64_MIN.
  int64_t micros_of_day = micros_since_epoch % kMicrosPerDay;
  if (micros_of_day < 0) micros_of_day += kMicrosPerDay;
  const CivilDate date = CivilFromDays(unix_days);
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
  if (std::fabs(ms) < kMillisRoundsToZero) ms = 0.0;
  char buffer[kMillisChars];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), ms, std::chars_format::fixed, 3);
  if (ec != std::errc()) return;
  out->append(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace urlsweep
