// Retry-After (RFC 9110 section 10.2.3): how long a 429 or 503 asks the client to wait. Pure: the value
// and the current time in, seconds out; the caller reads the clock, so every case is testable.
#pragma once

#include <cstdint>
#include <string_view>

namespace urlsweep {

// Honour the server's wish, but never let one host stall its URLs for longer than this: a scan of a
// large list cannot wait on one host, and 60 s covers the waits real rate limiters ask for.
inline constexpr double kMaxRetryAfterS = 60;

// Seconds to wait from `now_unix_us` (microseconds since the Unix epoch, the wall clock), capped at
// kMaxRetryAfterS. The value is delay-seconds (a decimal integer) or an IMF-fixdate
// ("Sun, 06 Nov 1994 08:49:37 GMT"); the obsolete RFC 850 and asctime date forms are not read. 0 when the
// value cannot be used: garbage, a delay of 0 or less, or a date not after `now_unix_us`.
double RetryAfterSeconds(std::string_view value, int64_t now_unix_us);

}  // namespace urlsweep
