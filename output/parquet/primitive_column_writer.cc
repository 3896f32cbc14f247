#include "output/parquet/primitive_column_writer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <string_view>

namespace urlsweep::parquet {

// PLAIN is little-endian; the values are copied to pages as they lie in memory.
static_assert(std::endian::native == std::endian::little, "PLAIN encoding assumes a little-endian host");

template <typename T>
class PrimitiveColumnWriter<T>::State final : public ColumnWriterState {
 public:
  void Reset() override {
    ColumnWriterState::Reset();
    values.clear();
  }

  PodVector<T> values;  // present values only
  PodVector<uint32_t> present_rows;  // scratch: the rows of the batch being appended that have a value
};

namespace {

// Statistics over a whole chunk's values at once, after the rows are in: a tight loop over an array
// (which the compiler vectorizes for integers) instead of two comparisons in the per-row path.
template <typename T>
void ComputeBounds(const PodVector<T>& values, T* min, T* max, bool* has_min_max, int64_t* nan_count) {
  *has_min_max = false;
  *nan_count = 0;
  if constexpr (std::is_floating_point_v<T>) {
    // parquet.thrift (ColumnOrder): NaN never enters min/max and nan_count is always written.
    T lo = std::numeric_limits<T>::infinity();
    T hi = -std::numeric_limits<T>::infinity();
    int64_t nans = 0;
    for (const T v : values) {
      if (std::isnan(v)) {
        ++nans;
        continue;
      }
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    *nan_count = nans;
    *has_min_max = static_cast<size_t>(nans) < values.size();
    *min = lo;
    *max = hi;
  } else {
    if (values.empty()) return;
    T lo = values[0];
    T hi = values[0];
    for (const T v : values) {
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    *has_min_max = true;
    *min = lo;
    *max = hi;
  }
}

}  // namespace

namespace {
template <typename T>
std::string PlainBytes(T value) {
  std::string bytes(sizeof(T), '\0');
  std::memcpy(bytes.data(), &value, sizeof(T));
  return bytes;
}
}  // namespace

template <typename T>
std::unique_ptr<ColumnWriterState> PrimitiveColumnWriter<T>::InitializeState() const {
  return std::make_unique<State>();
}

template <typename T>
size_t PrimitiveColumnWriter<T>::Append(absl::Span<const Row> rows, ColumnWriterState* base) const {
  auto* state = static_cast<State*>(base);
  const size_t old_values = state->values.size();
  // Room for every row's value, trimmed to the present ones after: the loops store without a
  // capacity check or a branch on presence, which is random enough in scan rows to mispredict.
  state->values.resize(old_values + rows.size());
  T* out = state->values.data() + old_values;
  size_t present = 0;
  if (field_.optional != nullptr) {
    const size_t old_levels = state->def_levels.size();
    state->def_levels.resize(old_levels + rows.size());
    uint8_t* levels = state->def_levels.data() + old_levels;
    // Levels and the rows that have a value first, then their values: the presence bit only moves a
    // count, and no value of an empty optional is read.
    state->present_rows.resize(rows.size());
    uint32_t* present_rows = state->present_rows.data();
    for (size_t i = 0; i < rows.size(); ++i) {
      const uint8_t has = (rows[i].*field_.optional).has_value() ? 1 : 0;
      levels[i] = has;
      present_rows[present] = static_cast<uint32_t>(i);
      present += has;
    }
    for (size_t k = 0; k < present; ++k) out[k] = *(rows[present_rows[k]].*field_.optional);
    state->values.resize(old_values + present);
  } else {
    for (size_t i = 0; i < rows.size(); ++i) out[i] = rows[i].*field_.required;
    present = rows.size();
  }
  state->num_rows += static_cast<int64_t>(rows.size());
  state->null_count += static_cast<int64_t>(rows.size() - present);
  return (field_.optional != nullptr ? rows.size() : 0) + present * sizeof(T);
}

template <typename T>
void PrimitiveColumnWriter<T>::Prepare(ColumnWriterState* base, PageWriter* pages,
                                       PreparedColumnChunk* chunk) const {
  auto* state = static_cast<State*>(base);
  pages->BeginChunk(schema(), &state->compression, chunk);
  const size_t rows = static_cast<size_t>(state->num_rows);
  const size_t rows_per_page = std::max<size_t>(1, options().page_bytes / sizeof(T));
  size_t value = 0;
  for (size_t row = 0; row < rows; row += rows_per_page) {
    const size_t end = std::min(rows, row + rows_per_page);
    const size_t present = CountPresent(*state, row, end, is_optional());
    const std::string_view values(reinterpret_cast<const char*>(state->values.data() + value),
                                  present * sizeof(T));
    absl::Span<const uint8_t> levels;
    if (is_optional()) levels = absl::MakeConstSpan(state->def_levels).subspan(row, end - row);
    pages->WriteDataPage(levels, static_cast<int32_t>(end - row), Encoding::kPlain, values);
    value += present;
  }
  ColumnStatistics& stats = chunk->metadata.statistics;
  stats.null_count = state->null_count;
  T min{};
  T max{};
  bool has_min_max = false;
  int64_t nan_count = 0;
  ComputeBounds(state->values, &min, &max, &has_min_max, &nan_count);
  if (has_min_max) {
    if constexpr (std::is_floating_point_v<T>) {
      // parquet.thrift: a zero min is written as -0.0 and a zero max as +0.0.
      if (min == 0) min = -0.0;
      if (max == 0) max = 0.0;
    }
    stats.has_min_max = true;
    stats.min_value = PlainBytes(min);
    stats.max_value = PlainBytes(max);
  }
  if constexpr (std::is_floating_point_v<T>) stats.nan_count = nan_count;
  pages->EndChunk();
}

template class PrimitiveColumnWriter<int32_t>;
template class PrimitiveColumnWriter<int64_t>;
template class PrimitiveColumnWriter<double>;

}  // namespace urlsweep::parquet
