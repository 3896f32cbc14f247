#include "dns/cache.h"

#include <algorithm>
#include <utility>

namespace urlsweep {

DnsCache::DnsCache(size_t capacity) : capacity_(capacity) {}

uint64_t DnsCache::LifetimeMs(int ares_status, uint32_t ttl_s) {
  const uint32_t seconds = ares_status == 0 ? std::clamp(ttl_s, kMinTtlS, kMaxTtlS) : kNegativeTtlS;
  return uint64_t{seconds} * 1000;
}

const DnsCache::Answer* DnsCache::Find(std::string_view name, uint64_t now_ms) {
  auto found = map_.find(name);
  if (found == map_.end()) return nullptr;
  List::iterator it = found->second;
  if (now_ms >= it->expires_ms) {
    Erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it);
  return &it->answer;
}

void DnsCache::Insert(std::string_view name, const Answer& answer, uint32_t ttl_s, uint64_t now_ms) {
  if (capacity_ == 0) return;
  const uint64_t expires_ms = now_ms + LifetimeMs(answer.ares_status, ttl_s);
  auto found = map_.find(name);
  if (found != map_.end()) {
    List::iterator it = found->second;
    it->answer = answer;
    it->expires_ms = expires_ms;
    lru_.splice(lru_.begin(), lru_, it);
    return;
  }
  if (map_.size() >= capacity_) Erase(std::prev(lru_.end()));
  lru_.push_front(Entry{std::string(name), answer, expires_ms});
  map_.emplace(lru_.front().name, lru_.begin());
}

void DnsCache::Erase(List::iterator it) {
  map_.erase(std::string_view(it->name));
  lru_.erase(it);
}

}  // namespace urlsweep
