#include "scanner/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace urlsweep {

bool RateLimiter::TryTake(uint64_t now_ns) {
  if (!limited()) return true;
  const double burst = std::max(1.0, rate_per_s_ * kMaxBurstS);
  tokens_ = std::min(burst, tokens_ + static_cast<double>(now_ns - tokens_at_ns_) * 1e-9 * rate_per_s_);
  tokens_at_ns_ = now_ns;
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

uint64_t RateLimiter::NextTokenDelayMs() const {
  if (!limited()) return 0;
  const double wait_s = std::max(0.0, (1 - tokens_) / rate_per_s_);
  return static_cast<uint64_t>(std::ceil(wait_s * 1000));
}

}  // namespace urlsweep
