// ParquetReader: reads the Parquet files urlsweep's writer makes (parquet_writer.h) back into Rows, for
// `urlsweep report`. Pure: it works on the file's bytes (the caller maps or reads the file) and never
// trusts them: every offset, length, count and varint is checked, and a malformed file is an error
// naming what was wrong, never a crash or an unbounded allocation (Thrift nesting is capped by
// ThriftDecoder::kMaxDepth).
//
// What it reads (parquet-format: parquet.thrift, Encodings.md, Compression.md): a flat schema whose
// leaves are named after the output columns (others are skipped, any order), REQUIRED or OPTIONAL,
// of the types parquet_column_type.h accepts (integers of either width, timestamps in any unit);
// codecs UNCOMPRESSED, SNAPPY (raw) and ZSTD; v1 data pages with RLE definition levels (max level 1);
// values PLAIN or RLE_DICTIONARY / PLAIN_DICTIONARY with a PLAIN dictionary page. Anything else (nested
// or repeated columns, v2 data pages, other codecs or encodings) is refused by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/row.h"
#include "output/report/parquet_column_type.h"

namespace urlsweep {

class ParquetReader {
 public:
  // A page larger than this once decompressed is refused: the writer cuts pages at about 1 MiB, and a
  // single value is at most a 64 MiB input line (see CsvRecordParser::kMaxRecordBytes), so only a
  // corrupt header asks for more, and it must not make us allocate gigabytes.
  static constexpr int64_t kMaxPageBytes = int64_t{256} << 20;
  // A row group is decoded into Rows at once. urlsweep's writer closes row groups at 100,000 rows and
  // DuckDB's default is 122,880; a million Rows take about 1 GB, and a corrupt footer must not make the
  // reader try more.
  static constexpr int64_t kMaxRowGroupRows = int64_t{1} << 20;

  // Parses the footer of `file`, the whole file's bytes, which must outlive the reader.
  static absl::StatusOr<ParquetReader> Open(std::string_view file);

  int64_t num_rows() const { return num_rows_; }
  size_t row_group_count() const { return row_groups_.size(); }
  int64_t row_group_rows(size_t index) const { return row_groups_[index].rows; }

  // Replaces *rows with the rows of row group `index` (< row_group_count()), in file order. The Rows
  // already in *rows are reused (Row::Clear keeps string capacity).
  absl::Status ReadRowGroup(size_t index, std::vector<Row>* rows);

 private:
  // A leaf of the schema that names an output column (docs/output.md).
  struct Column {
    int row_column = -1;  // index into kColumnNames
    size_t leaf = 0;      // position among the file's leaves (= column chunk index)
    int32_t physical_type = 0;
    bool optional = false;
    ParquetIntDecoding decoding;  // integer width, signedness and timestamp unit
  };
  struct Chunk {
    int32_t codec = 0;
    int64_t num_values = 0;
    int64_t start = 0;  // first page header (the dictionary page's when there is one)
    int64_t size = 0;   // total_compressed_size: every page, headers included
  };
  struct RowGroup {
    int64_t rows = 0;
    std::vector<Chunk> chunks;  // one per leaf, in schema order
  };

  ParquetReader() = default;
  absl::Status ReadChunk(const Column& column, const Chunk& chunk, int64_t rows, std::vector<Row>* out);
  absl::Status StoreValue(const Column& column, std::string_view value, Row* row);

  std::string_view file_;
  int64_t num_rows_ = 0;
  std::vector<Column> columns_;
  std::vector<RowGroup> row_groups_;
  // Reused across pages and chunks: decompressed page, dictionary page, decoded levels and indices.
  std::string page_;
  std::string dictionary_page_;
  std::vector<std::string_view> dictionary_;
  std::vector<uint32_t> levels_;
  std::vector<uint32_t> indices_;
};

}  // namespace urlsweep
