#include "scanner/line_set.h"

#include <algorithm>

namespace urlsweep {

void LineSet::AddRange(int64_t first, int64_t last) { ranges_.emplace_back(first, last); }

void LineSet::Normalize() {
  std::sort(ranges_.begin(), ranges_.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && r.first <= merged.back().second + 1) {
      merged.back().second = std::max(merged.back().second, r.second);
    } else {
      merged.push_back(r);
    }
  }
  ranges_ = std::move(merged);
  cursor_ = 0;
}

bool LineSet::ContainsNext(int64_t line) {
  while (cursor_ < ranges_.size() && ranges_[cursor_].second < line) ++cursor_;
  return cursor_ < ranges_.size() && ranges_[cursor_].first <= line;
}

bool LineSet::Contains(int64_t line) const {
  // The first range ending at or after `line`: it holds the line when it starts at or before it.
  auto it = std::lower_bound(ranges_.begin(), ranges_.end(), line,
                             [](const std::pair<int64_t, int64_t>& r, int64_t l) { return r.second < l; });
  return it != ranges_.end() && it->first <= line;
}

int64_t LineSet::size() const {
  int64_t n = 0;
  for (const auto& r : ranges_) n += r.second - r.first + 1;
  return n;
}

}  // namespace urlsweep
