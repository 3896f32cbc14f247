// The parts of parquet.thrift (apache/parquet-format, src/main/thrift/parquet.thrift) that urlsweep
// writes, as plain structs, and their Thrift compact encodings. Field ids and enum values are the
// specification's; nothing here does I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/types/span.h"

namespace urlsweep::parquet {

// parquet.thrift `Type`.
enum class PhysicalType : int32_t { kInt32 = 1, kInt64 = 2, kDouble = 5, kByteArray = 6 };
// parquet.thrift `FieldRepetitionType`.
enum class Repetition : int32_t { kRequired = 0, kOptional = 1 };
// parquet.thrift `Encoding`.
enum class Encoding : int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8 };
// parquet.thrift `CompressionCodec`.
enum class CompressionCodec : int32_t { kUncompressed = 0, kSnappy = 1, kZstd = 6 };
// parquet.thrift `PageType`.
enum class PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };
// The logical annotations urlsweep uses: LogicalType STRING (+ ConvertedType UTF8) and
// TIMESTAMP(isAdjustedToUTC=true, unit=MICROS) (+ ConvertedType TIMESTAMP_MICROS).
enum class LogicalKind { kNone, kString, kTimestampMicrosUtc };

// One leaf of the flat schema (the root is implied).
struct ColumnSchema {
  std::string name;
  PhysicalType type;
  Repetition repetition;
  LogicalKind logical = LogicalKind::kNone;
};

// parquet.thrift `Statistics`, in the type-defined order announced by FileMetaData.column_orders.
struct ColumnStatistics {
  int64_t null_count = 0;
  bool has_min_max = false;
  std::string min_value;  // PLAIN encoding, no length prefix for byte arrays
  std::string max_value;
  std::optional<int64_t> nan_count;  // DOUBLE columns only
};

// parquet.thrift `PageHeader` with its DataPageHeader (v1) or DictionaryPageHeader.
struct PageHeader {
  PageType type = PageType::kDataPage;
  int32_t uncompressed_size = 0;
  int32_t compressed_size = 0;
  int32_t num_values = 0;  // levels (nulls included) for a data page, entries for a dictionary page
  Encoding encoding = Encoding::kPlain;
};

// parquet.thrift `PageEncodingStats`.
struct PageEncodingCount {
  PageType page_type;
  Encoding encoding;
  int32_t count;
};

// parquet.thrift `ColumnMetaData` (wrapped in a ColumnChunk when encoded).
struct ColumnChunkMetadata {
  PhysicalType type = PhysicalType::kInt64;
  std::string_view path;  // the column name: the schema is flat
  CompressionCodec codec = CompressionCodec::kUncompressed;
  std::vector<Encoding> encodings;
  std::vector<PageEncodingCount> encoding_stats;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;  // page headers included
  int64_t total_compressed_size = 0;    // page headers included
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  ColumnStatistics statistics;
};

// parquet.thrift `RowGroup`.
struct RowGroupMetadata {
  absl::Span<const ColumnChunkMetadata> columns;
  int64_t num_rows = 0;
  int64_t total_byte_size = 0;  // uncompressed
  int64_t total_compressed_size = 0;
  int64_t file_offset = 0;
  int64_t ordinal = 0;
};

// parquet.thrift `FileMetaData`. Row groups come pre-encoded (EncodeRowGroup) so that the footer of a
// long scan keeps a few bytes per row group, not the structs.
struct FileMetadata {
  absl::Span<const ColumnSchema> columns;
  int64_t num_rows = 0;
  absl::Span<const std::string> encoded_row_groups;
  absl::Span<const std::pair<std::string, std::string>> key_value_metadata;
  std::string_view created_by;
};

void EncodePageHeader(const PageHeader& header, std::string* out);
void EncodeRowGroup(const RowGroupMetadata& row_group, std::string* out);
void EncodeFileMetadata(const FileMetadata& file, std::string* out);

}  // namespace urlsweep::parquet
