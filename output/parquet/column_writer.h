// ColumnWriter: the stateless writer of one column, one subclass per physical type, split from the
// per-row-group ColumnWriterState it fills (the DuckDB parquet writer's design). Append copies values out
// of rows as they arrive; Prepare encodes and compresses a full row group into pages (CPU only, no I/O).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "output/parquet/byte_buffer.h"
#include "output/parquet/page_writer.h"
#include "output/parquet/parquet_metadata.h"
#include "core/row.h"

namespace urlsweep::parquet {

// Limits the column writers work within, settable so tests reach them with few rows.
struct ColumnWriterOptions {
  // Uncompressed bytes of values per data page: about 1 MiB, the usual page size of Parquet writers,
  // so a reader needs only a small buffer per page and can skip pages.
  size_t page_bytes = size_t{1} << 20;
  // A string column chunk whose dictionary grows past this goes back to PLAIN: a dictionary that large
  // means the values barely repeat (parquet-mr's default dictionary page size is the same 1 MiB).
  size_t max_dictionary_bytes = size_t{1} << 20;
};

// What one column buffered for the current row group. Reset() keeps capacity, so a long scan stops
// allocating after its first row group.
class ColumnWriterState {
 public:
  virtual ~ColumnWriterState() = default;
  virtual void Reset();

  PodVector<uint8_t> def_levels;  // one per row (0 null, 1 present); OPTIONAL columns only
  int64_t num_rows = 0;
  int64_t null_count = 0;
  // Kept by Reset(): how this column's pages compressed in earlier row groups.
  CompressionHistory compression;
};

class ColumnWriter {
 public:
  ColumnWriter(const ColumnSchema& schema, const ColumnWriterOptions& options)
      : schema_(schema), options_(options) {}
  virtual ~ColumnWriter() = default;
  ColumnWriter(const ColumnWriter&) = delete;
  ColumnWriter& operator=(const ColumnWriter&) = delete;

  const ColumnSchema& schema() const { return schema_; }

  virtual std::unique_ptr<ColumnWriterState> InitializeState() const = 0;
  // Buffers this column's value of each row (its definition level too, for an OPTIONAL column);
  // returns the bytes this added to the state.
  virtual size_t Append(absl::Span<const Row> rows, ColumnWriterState* state) const = 0;
  // Encodes the buffered row group into *chunk through `pages`. The state is left for the caller
  // to Reset().
  virtual void Prepare(ColumnWriterState* state, PageWriter* pages, PreparedColumnChunk* chunk) const = 0;

 protected:
  bool is_optional() const { return schema_.repetition == Repetition::kOptional; }
  const ColumnWriterOptions& options() const { return options_; }
  // Values present among rows [begin, end) of the state.
  static size_t CountPresent(const ColumnWriterState& state, size_t begin, size_t end, bool optional);

 private:
  ColumnSchema schema_;
  ColumnWriterOptions options_;
};

}  // namespace urlsweep::parquet
