// malloc_counter: an LD_PRELOAD library that counts the heap allocations of the process it is loaded
// into and writes the totals when the process exits.
//
//   LD_PRELOAD=libmalloc_counter.so URLSWEEP_ALLOC_COUNT_OUT=counts.txt urlsweep ...
//
// counts.txt then holds one "name count" line per function: malloc, calloc, realloc (with
// reallocarray), memalign (with posix_memalign, aligned_alloc, valloc and pvalloc), free, and
// "allocations" (every call that can return new memory: all but free). Without
// URLSWEEP_ALLOC_COUNT_OUT nothing is written (URLSWEEP_ALLOC_COUNT_OUT=/dev/stderr shows them).
//
// The same object is linked into the micro-benchmarks (bench/*_bench.cc), which read the running total
// through HeapAllocations() (malloc_counter.h) and report allocations per operation: a function
// defined in the executable interposes the C library's for every shared library too.
//
// Why a preload rather than a counting build: it measures the very binary users run, allocations inside
// libuv, c-ares, OpenSSL, zlib and libstdc++ included (operator new ends in malloc). The counters are
// relaxed atomics: every thread of the scanner (input, loops, output) is counted, and an increment is
// cheap enough not to change what is measured.
//
// The functions forward to glibc's own entry points (__libc_malloc and friends), not to dlsym(RTLD_NEXT):
// dlsym itself allocates, which would recurse into malloc before the pointer is known.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "bench/alloc_count/malloc_counter.h"

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* ptr, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* ptr);
}

namespace {

std::atomic<uint64_t> malloc_calls{0};
std::atomic<uint64_t> calloc_calls{0};
std::atomic<uint64_t> realloc_calls{0};
std::atomic<uint64_t> memalign_calls{0};
std::atomic<uint64_t> free_calls{0};

void Count(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

bool IsPowerOfTwo(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// Writes the totals with write(2) and a stack buffer: at exit, stdio and the heap may be half torn down.
__attribute__((destructor)) void WriteCounts() {
  const uint64_t m = malloc_calls.load(), c = calloc_calls.load(), r = realloc_calls.load(),
                 a = memalign_calls.load(), f = free_calls.load();
  char text[256];
  const int len = snprintf(text, sizeof(text),
                           "malloc %llu\ncalloc %llu\nrealloc %llu\nmemalign %llu\nfree %llu\nallocations %llu\n",
                           static_cast<unsigned long long>(m), static_cast<unsigned long long>(c),
                           static_cast<unsigned long long>(r), static_cast<unsigned long long>(a),
                           static_cast<unsigned long long>(f), static_cast<unsigned long long>(m + c + r + a));
  if (len <= 0) return;
  const char* path = getenv("URLSWEEP_ALLOC_COUNT_OUT");
  if (path == nullptr || path[0] == '\0') return;
  const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const ssize_t ignored = write(fd, text, static_cast<size_t>(len));
  (void)ignored;
  close(fd);
}

}  // namespace

namespace urlsweep {

uint64_t HeapAllocations() {
  return malloc_calls.load(std::memory_order_relaxed) + calloc_calls.load(std::memory_order_relaxed) +
         realloc_calls.load(std::memory_order_relaxed) + memalign_calls.load(std::memory_order_relaxed);
}

}  // namespace urlsweep

extern "C" {

void* malloc(size_t size) {
  Count(malloc_calls);
  return __libc_malloc(size);
}

void* calloc(size_t count, size_t size) {
  Count(calloc_calls);
  return __libc_calloc(count, size);
}

void* realloc(void* ptr, size_t size) {
  Count(realloc_calls);
  return __libc_realloc(ptr, size);
}

void* reallocarray(void* ptr, size_t count, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(count, size, &bytes)) {
    errno = ENOMEM;
    return nullptr;
  }
  Count(realloc_calls);
  return __libc_realloc(ptr, bytes);
}

void free(void* ptr) {
  if (ptr == nullptr) return;  // free(NULL) is no allocation work; libraries call it freely
  Count(free_calls);
  __libc_free(ptr);
}

void* memalign(size_t alignment, size_t size) {
  Count(memalign_calls);
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(size_t alignment, size_t size) {
  Count(memalign_calls);
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, size_t alignment, size_t size) {
  if (!IsPowerOfTwo(alignment) || alignment % sizeof(void*) != 0) return EINVAL;
  Count(memalign_calls);
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(size_t size) {
  Count(memalign_calls);
  return __libc_memalign(static_cast<size_t>(sysconf(_SC_PAGESIZE)), size);
}

void* pvalloc(size_t size) {
  Count(memalign_calls);
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return __libc_memalign(page, (size + page - 1) / page * page);
}

}  // extern "C"
