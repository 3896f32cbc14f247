// The replacements live in a file of their own, away from any call site: where GCC 12 sees their
// malloc/free bodies inlined into std::allocator's new/delete pairs it reports the pairs as mismatched
// (-Wmismatched-new-delete), although replacing both sides consistently is what the standard allows.
#include "tests/counting_new.h"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace urlsweep {

int64_t CountedAllocations() { return g_allocations.load(std::memory_order_relaxed); }

}  // namespace urlsweep
