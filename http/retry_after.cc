#include "http/retry_after.h"

#include <time.h>

#include <algorithm>
#include <string>

#include "absl/strings/numbers.h"

namespace urlsweep {
namespace {

// Unbounded: delay-seconds or the gap to an HTTP-date, 0 when unusable.
double UncappedSeconds(std::string_view value, int64_t now_unix_us) {
  int64_t secs = 0;
  if (absl::SimpleAtoi(absl::string_view(value.data(), value.size()), &secs)) {
    return secs > 0 ? static_cast<double>(secs) : 0;
  }
  // strptime wants a terminated string; the kept field is capped (kMaxFieldBytes), and this runs once per
  // 429 or 503 that carries a date, never per URL.
  std::string text(value);
  tm when{};
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &when) == nullptr) return 0;
  const double delta = static_cast<double>(timegm(&when)) - static_cast<double>(now_unix_us) / 1e6;
  return delta > 0 ? delta : 0;
}

}  // namespace

double RetryAfterSeconds(std::string_view value, int64_t now_unix_us) {
  return std::min(UncappedSeconds(value, now_unix_us), kMaxRetryAfterS);
}

}  // namespace urlsweep
