// Counting replacements of the global operator new and delete, for tests that hold a hot path to "no
// allocation once warm". A test binary gets them by listing tests/counting_new.cc among its sources.
#pragma once

#include <cstdint>

namespace urlsweep {

// Calls of the global operator new (every form that allocates) in this process so far.
int64_t CountedAllocations();

}  // namespace urlsweep
