// PrimitiveColumnWriter<T>: the ColumnWriter for fixed-width values (INT32, INT64 and DOUBLE, timestamps
// included), PLAIN-encoded: little-endian values back to back (Encodings.md).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "output/parquet/column_writer.h"

namespace urlsweep::parquet {

// Where a column's value lives in a Row: a member read in place, so the per-row loop makes no call.
template <typename T>
struct PrimitiveField {
  // Implicit on purpose: a column is declared by naming its Row member.
  PrimitiveField(std::optional<T> Row::*member) : optional(member) {}
  PrimitiveField(T Row::*member) : required(member) {}

  std::optional<T> Row::*optional = nullptr;  // an OPTIONAL column
  T Row::*required = nullptr;                 // a REQUIRED column
};

template <typename T>
class PrimitiveColumnWriter final : public ColumnWriter {
 public:
  PrimitiveColumnWriter(const ColumnSchema& schema, const ColumnWriterOptions& options,
                        PrimitiveField<T> field)
      : ColumnWriter(schema, options), field_(field) {}

  std::unique_ptr<ColumnWriterState> InitializeState() const override;
  size_t Append(absl::Span<const Row> rows, ColumnWriterState* state) const override;
  void Prepare(ColumnWriterState* state, PageWriter* pages, PreparedColumnChunk* chunk) const override;

 private:
  class State;
  PrimitiveField<T> field_;
};

extern template class PrimitiveColumnWriter<int32_t>;
extern template class PrimitiveColumnWriter<int64_t>;
extern template class PrimitiveColumnWriter<double>;

}  // namespace urlsweep::parquet
