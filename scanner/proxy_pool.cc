#include "scanner/proxy_pool.h"

#include "scanner/url.h"

namespace urlsweep {

ProxyPool::ProxyPool(const std::vector<ProxySpec>* proxies, ProxyRotate rotate)
    : proxies_(proxies), rotate_(rotate), health_(new Health[proxies->size()]) {}

size_t ProxyPool::FirstChoice(std::string_view host) {
  if (size() == 0) return 0;
  if (rotate_ == ProxyRotate::kUrl) return next_.fetch_add(1, std::memory_order_relaxed) % size();
  // The same host always starts at the same proxy, in every run and on every machine.
  return StableHash(host) % size();
}

int ProxyPool::Pick(size_t start, uint64_t now_ns) const {
  const size_t n = size();
  for (size_t i = 0; i < n; ++i) {
    const size_t index = (start + i) % n;
    if (health_[index].rest_until_ns.load(std::memory_order_relaxed) <= now_ns) return static_cast<int>(index);
  }
  return -1;
}

void ProxyPool::Failed(size_t index, uint64_t now_ns) {
  Health& h = health_[index];
  if (h.failures.fetch_add(1, std::memory_order_relaxed) + 1 >= kFailuresToRest) {
    // After its rest the proxy gets one URL again; failing that one rests it again at once.
    h.failures.store(kFailuresToRest - 1, std::memory_order_relaxed);
    h.rest_until_ns.store(now_ns + kRestNs, std::memory_order_relaxed);
  }
}

void ProxyPool::Succeeded(size_t index) {
  Health& h = health_[index];
  // Read first: the common case (no failures) writes nothing, so loops do not contend for the line.
  if (h.failures.load(std::memory_order_relaxed) != 0) h.failures.store(0, std::memory_order_relaxed);
}

}  // namespace urlsweep
