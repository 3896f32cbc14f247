// RateLimiter: one loop's share of --rate as a token bucket, refilled continuously. Pure: the caller
// passes the clock (monotonic nanoseconds) into every call, so it is tested without a loop.
#pragma once

#include <cstdint>

namespace urlsweep {

class RateLimiter {
 public:
  // The bucket holds at most this long's worth of tokens (at least one), so high rates survive the loop's
  // millisecond timer resolution while low rates stay evenly spaced: a loop never starts more than a
  // hundredth of a second's URLs at once.
  static constexpr double kMaxBurstS = 0.01;

  // `rate_per_s` <= 0 sets no cap. The bucket starts with one token at `now_ns`.
  void Reset(double rate_per_s, uint64_t now_ns) {
    rate_per_s_ = rate_per_s;
    tokens_ = 1;
    tokens_at_ns_ = now_ns;
  }
  bool limited() const { return rate_per_s_ > 0; }
  // Refills for the time since the last call and takes one token if there is a whole one. Always true
  // without a cap.
  bool TryTake(uint64_t now_ns);
  // Milliseconds, rounded up, until the bucket holds a whole token (as of the last TryTake or Reset): what
  // a timer waits before the next TryTake. 0 without a cap.
  uint64_t NextTokenDelayMs() const;

 private:
  double rate_per_s_ = 0;
  double tokens_ = 0;
  uint64_t tokens_at_ns_ = 0;
};

}  // namespace urlsweep
