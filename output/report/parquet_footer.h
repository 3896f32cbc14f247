// The footer of a Parquet file (parquet.thrift FileMetaData) as the reader needs it: the schema's
// elements, the row count, and each row group's column chunks. DecodeParquetFooter only decodes the
// Thrift; what the values must be to make a urlsweep result (a flat schema, known columns, chunks inside
// the file) is ParquetReader::Open's to check. Pure; views point into the footer's bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "output/report/parquet_column_type.h"

namespace urlsweep {

// parquet.thrift SchemaElement, the fields the reader needs; -1 where the footer leaves one out.
struct ParquetSchemaElement {
  int32_t type = -1;
  int32_t repetition = -1;
  std::string_view name;
  int32_t num_children = 0;
  ParquetLeafType annotation;  // converted_type, logicalType: how the values read
};

// parquet.thrift ColumnMetaData, the fields the reader needs; -1 where the footer leaves one out.
struct ParquetColumnMeta {
  int32_t type = -1;
  std::vector<std::string_view> path;
  int32_t codec = -1;
  int64_t num_values = -1;
  int64_t total_compressed_size = -1;
  int64_t data_page_offset = -1;
  int64_t dictionary_page_offset = -1;
};

// parquet.thrift RowGroup: its row count and its column chunks' metadata, in schema order.
struct ParquetRowGroupMeta {
  int64_t rows = -1;
  std::vector<ParquetColumnMeta> chunks;
  bool external = false;      // a chunk names another file (ColumnChunk.file_path)
  bool missing_meta = false;  // a chunk carries no ColumnMetaData
};

struct ParquetFooter {
  std::vector<ParquetSchemaElement> schema;  // the root first, then its leaves
  int64_t num_rows = -1;
  std::vector<ParquetRowGroupMeta> row_groups;
};

// Decodes the FileMetaData struct that must fill `footer` exactly. An InvalidArgument error says what
// was malformed ("footer: truncated varint at byte 12 of the Thrift data").
absl::StatusOr<ParquetFooter> DecodeParquetFooter(std::string_view footer);

}  // namespace urlsweep
