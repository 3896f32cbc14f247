#include "output/parquet/primitive_column_writer.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
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
    has_min_max = false;
    nan_count = 0;
  }

  void Observe(T value) {
    if constexpr (std::is_floating_point_v<T>) {
      // parquet.thrift (ColumnOrder): NaN never enters min/max and nan_count is always written.
      if (std::isnan(value)) {
        ++nan_count;
        return;
      }
    }
    if (!has_min_max) {
      min = max = value;
      has_min_max = true;
    } else {
      min = std::min(min, value);
      max = std::max(max, value);
    }
  }

  std::vector<T> values;  // present values only
  bool has_min_max = false;
  T min{};
  T max{};
  int64_t nan_count = 0;
};

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
  size_t present = 0;
  if (field_.optional != nullptr) {
    for (const Row& row : rows) {
      const std::optional<T>& value = row.*field_.optional;
      state->def_levels.push_back(value.has_value() ? 1 : 0);
      if (!value) continue;
      state->values.push_back(*value);
      state->Observe(*value);
      ++present;
    }
  } else {
    for (const Row& row : rows) {
      const T value = row.*field_.required;
      state->values.push_back(value);
      state->Observe(value);
    }
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
  pages->BeginChunk(schema(), chunk);
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
  if (state->has_min_max) {
    T min = state->min;
    T max = state->max;
    if constexpr (std::is_floating_point_v<T>) {
      // parquet.thrift: a zero min is written as -0.0 and a zero max as +0.0.
      if (min == 0) min = -0.0;
      if (max == 0) max = 0.0;
    }
    stats.has_min_max = true;
    stats.min_value = PlainBytes(min);
    stats.max_value = PlainBytes(max);
  }
  if constexpr (std::is_floating_point_v<T>) stats.nan_count = state->nan_count;
  pages->EndChunk();
}

template class PrimitiveColumnWriter<int32_t>;
template class PrimitiveColumnWriter<int64_t>;
template class PrimitiveColumnWriter<double>;

}  // namespace urlsweep::parquet
