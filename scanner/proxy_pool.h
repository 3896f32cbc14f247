// ProxyPool: the health of a --proxy-file pool, shared by every loop (docs/proxies.md, "Pools").
// Which proxy a URL goes through first (a hash of its host name, or the next in turn), and which
// proxies rest: one that failed kFailuresToRest times in a row rests kRestNs, and its URLs go to the
// next proxy meanwhile. Lock-free (relaxed atomics: a failure counted twice or once less only moves a
// rest by one URL); no clock of its own, the caller passes a monotonic time in nanoseconds.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/options.h"

namespace urlsweep {

class ProxyPool {
 public:
  static constexpr int kFailuresToRest = 3;
  static constexpr uint64_t kRestNs = 30'000'000'000;

  ProxyPool(const std::vector<ProxySpec>* proxies, ProxyRotate rotate);

  size_t size() const { return proxies_->size(); }
  const ProxySpec& at(size_t index) const { return (*proxies_)[index]; }

  // Where a URL's search for a proxy starts: the hash of `host` (kHost) or the next in turn (kUrl).
  size_t FirstChoice(std::string_view host);
  // The first proxy at or after `start` (wrapping around) that is not resting at `now_ns`; -1 when
  // all rest.
  int Pick(size_t start, uint64_t now_ns) const;
  // A proxy_error of the proxy's own (it could not be reached or spoke no proxy protocol).
  void Failed(size_t index, uint64_t now_ns);
  // The proxy did its part (a tunnel opened, or a response byte came through it).
  void Succeeded(size_t index);

 private:
  struct Health {
    std::atomic<int> failures{0};
    std::atomic<uint64_t> rest_until_ns{0};
  };
  const std::vector<ProxySpec>* proxies_;
  ProxyRotate rotate_;
  std::unique_ptr<Health[]> health_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace urlsweep
