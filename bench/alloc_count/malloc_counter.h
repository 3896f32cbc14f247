// The running allocation count of malloc_counter.cc, for programs that link it in (the micro-benchmarks).
#pragma once

#include <cstdint>

namespace urlsweep {

// Calls so far, in every thread, of the functions that can return new heap memory (malloc, calloc,
// realloc, the aligned ones; operator new ends in malloc).
uint64_t HeapAllocations();

}  // namespace urlsweep
