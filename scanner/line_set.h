// LineSet: input line numbers whose rows are already in the output (--resume), as sorted disjoint
// ranges, so that a run of millions of lines costs a few ranges rather than a set entry per line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace urlsweep {

class LineSet {
 public:
  void AddRange(int64_t first, int64_t last);
  // Sorts and merges after the ranges were added in any order.
  void Normalize();
  // Lines must be asked in increasing order (the input is read in order); amortised O(1).
  bool ContainsNext(int64_t line);
  // Any line, in any order: O(log ranges). Leaves ContainsNext's position alone.
  bool Contains(int64_t line) const;
  int64_t size() const;
  // The lowest and highest line held; 0 when empty.
  int64_t first() const { return ranges_.empty() ? 0 : ranges_.front().first; }
  int64_t last() const { return ranges_.empty() ? 0 : ranges_.back().second; }

 private:
  std::vector<std::pair<int64_t, int64_t>> ranges_;
  size_t cursor_ = 0;
};

}  // namespace urlsweep
