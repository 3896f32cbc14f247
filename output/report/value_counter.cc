#include "output/report/value_counter.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "core/text.h"

namespace urlsweep {

void ValueCounter::Add(std::string_view value) {
  ++rows_;
  ++counts_[ToAbsl(value)];
}

ValueTally ValueCounter::Finish(size_t top) {
  ValueTally tally;
  tally.rows = rows_;
  tally.distinct = static_cast<int64_t>(counts_.size());
  std::vector<CountedValue> all;
  all.reserve(counts_.size());
  for (auto& [value, rows] : counts_) all.push_back({value, rows});
  auto more = [](const CountedValue& a, const CountedValue& b) {
    return a.rows != b.rows ? a.rows > b.rows : a.value < b.value;
  };
  const size_t shown = std::min(all.size(), top);
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(shown), all.end(), more);
  all.resize(shown);
  tally.top = std::move(all);
  rows_ = 0;
  counts_.clear();
  return tally;
}

}  // namespace urlsweep
