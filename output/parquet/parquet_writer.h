// The Parquet RowWriter: rows are buffered column by column into a row group, which is encoded
// (PrepareRowGroup, CPU only) then written (FlushRowGroup) once it holds kRowGroupRows rows or
// kRowGroupBytes bytes, or on Flush(). Close() writes the footer and closes the OutputFile (fsync,
// as the text writers do). Memory stays bounded whatever the number of rows: one row group's buffers
// plus a few KiB of footer per row group written.
//
// --resume: CheckpointState() hands out the footer entries of the row groups written since the last
// call (checkpoint_state.h); Restore() takes every committed state back, and Open(/*append=*/true)
// continues after the committed row groups without writing the magic again, so Close() writes one
// footer covering the restored row groups and the new ones.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/options.h"
#include "output/output_file.h"
#include "output/row_writer.h"

namespace urlsweep {

struct ParquetWriterOptions {
  // Rows per row group: large enough that each column chunk compresses well and readers get long
  // sequential reads, small enough that a scan shows up in the file as it goes.
  static constexpr int64_t kRowGroupRows = 100'000;
  // Buffered bytes per row group: caps memory when rows carry long strings (titles, URLs) long before
  // kRowGroupRows is reached; 64 MiB is a common row group size target of Parquet writers.
  static constexpr int64_t kRowGroupBytes = int64_t{64} << 20;

  int64_t row_group_rows = kRowGroupRows;
  int64_t row_group_bytes = kRowGroupBytes;
  // Per-page and per-dictionary limits (see parquet/column_writer.h); zero keeps the defaults.
  size_t page_bytes = 0;
  size_t max_dictionary_bytes = 0;
};

// The writer of config.format == kParquet, with config.parquet_compression, writing to `file`
// (which must outlive it).
std::unique_ptr<RowWriter> MakeParquetWriter(const Config& config, OutputFile* file);
// The same with other limits, for tests that need several row groups or pages from few rows.
std::unique_ptr<RowWriter> MakeParquetWriter(const Config& config, OutputFile* file,
                                             const ParquetWriterOptions& options);

}  // namespace urlsweep
