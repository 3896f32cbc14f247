#include "output/parquet/parquet_metadata.h"

#include <limits>

#include "output/parquet/thrift_compact.h"

namespace urlsweep::parquet {

namespace {

// The format version written in FileMetaData.version: parquet.thrift asks writers for 1, the value
// every reader accepts.
constexpr int32_t kFormatVersion = 1;
// parquet.thrift `ConvertedType` values kept for readers that predate LogicalType.
constexpr int32_t kConvertedUtf8 = 0;
constexpr int32_t kConvertedTimestampMicros = 10;

// Field ids from parquet.thrift, named so each Write call says which field it fills.
namespace statistics_field {
constexpr int16_t kNullCount = 3, kMaxValue = 5, kMinValue = 6, kNanCount = 9;
}
namespace page_header_field {
constexpr int16_t kType = 1, kUncompressedSize = 2, kCompressedSize = 3, kDataPageHeader = 5,
                  kDictionaryPageHeader = 7;
}
namespace data_page_field {
constexpr int16_t kNumValues = 1, kEncoding = 2, kDefinitionLevelEncoding = 3,
                  kRepetitionLevelEncoding = 4;
}
namespace dictionary_page_field {
constexpr int16_t kNumValues = 1, kEncoding = 2, kIsSorted = 3;
}
namespace column_metadata_field {
constexpr int16_t kType = 1, kEncodings = 2, kPathInSchema = 3, kCodec = 4, kNumValues = 5,
                  kTotalUncompressedSize = 6, kTotalCompressedSize = 7, kDataPageOffset = 9,
                  kDictionaryPageOffset = 11, kStatistics = 12, kEncodingStats = 13;
}
namespace page_encoding_stats_field {
constexpr int16_t kPageType = 1, kEncoding = 2, kCount = 3;
}
namespace column_chunk_field {
constexpr int16_t kFileOffset = 2, kMetaData = 3;
}
namespace row_group_field {
constexpr int16_t kColumns = 1, kTotalByteSize = 2, kNumRows = 3, kFileOffset = 5,
                  kTotalCompressedSize = 6, kOrdinal = 7;
}
namespace schema_field {
constexpr int16_t kType = 1, kRepetitionType = 3, kName = 4, kNumChildren = 5, kConvertedType = 6,
                  kLogicalType = 10;
}
namespace logical_type_field {
constexpr int16_t kString = 1, kTimestamp = 8;
}
namespace timestamp_field {
constexpr int16_t kIsAdjustedToUtc = 1, kUnit = 2;
}
namespace time_unit_field {
constexpr int16_t kMicros = 2;
}
namespace key_value_field {
constexpr int16_t kKey = 1, kValue = 2;
}
namespace column_order_field {
constexpr int16_t kTypeOrder = 1;
}
namespace file_field {
constexpr int16_t kVersion = 1, kSchema = 2, kNumRows = 3, kRowGroups = 4, kKeyValueMetadata = 5,
                  kCreatedBy = 6, kColumnOrders = 7;
}

int32_t Enum(auto value) { return static_cast<int32_t>(value); }

void WriteStatistics(const ColumnStatistics& stats, ThriftCompactWriter* w) {
  namespace f = statistics_field;
  w->WriteI64(f::kNullCount, stats.null_count);
  if (stats.has_min_max) {
    w->WriteBinary(f::kMaxValue, stats.max_value);
    w->WriteBinary(f::kMinValue, stats.min_value);
  }
  if (stats.nan_count) w->WriteI64(f::kNanCount, *stats.nan_count);
}

void WriteColumnMetadata(const ColumnChunkMetadata& c, ThriftCompactWriter* w) {
  namespace f = column_metadata_field;
  w->WriteI32(f::kType, Enum(c.type));
  w->BeginList(f::kEncodings, ThriftType::kI32, static_cast<uint32_t>(c.encodings.size()));
  for (Encoding e : c.encodings) w->ListI32(Enum(e));
  w->BeginList(f::kPathInSchema, ThriftType::kBinary, 1);
  w->ListBinary(c.path);
  w->WriteI32(f::kCodec, Enum(c.codec));
  w->WriteI64(f::kNumValues, c.num_values);
  w->WriteI64(f::kTotalUncompressedSize, c.total_uncompressed_size);
  w->WriteI64(f::kTotalCompressedSize, c.total_compressed_size);
  w->WriteI64(f::kDataPageOffset, c.data_page_offset);
  if (c.dictionary_page_offset) w->WriteI64(f::kDictionaryPageOffset, *c.dictionary_page_offset);
  w->BeginStruct(f::kStatistics);
  WriteStatistics(c.statistics, w);
  w->EndStruct();
  w->BeginList(f::kEncodingStats, ThriftType::kStruct, static_cast<uint32_t>(c.encoding_stats.size()));
  for (const PageEncodingCount& s : c.encoding_stats) {
    namespace s_f = page_encoding_stats_field;
    w->BeginListStruct();
    w->WriteI32(s_f::kPageType, Enum(s.page_type));
    w->WriteI32(s_f::kEncoding, Enum(s.encoding));
    w->WriteI32(s_f::kCount, s.count);
    w->EndStruct();
  }
}

void WriteSchemaElement(const ColumnSchema& column, ThriftCompactWriter* w) {
  namespace f = schema_field;
  w->BeginListStruct();
  w->WriteI32(f::kType, Enum(column.type));
  w->WriteI32(f::kRepetitionType, Enum(column.repetition));
  w->WriteBinary(f::kName, column.name);
  switch (column.logical) {
    case LogicalKind::kNone:
      break;
    case LogicalKind::kString:
      w->WriteI32(f::kConvertedType, kConvertedUtf8);
      w->BeginStruct(f::kLogicalType);
      w->BeginStruct(logical_type_field::kString);
      w->EndStruct();
      w->EndStruct();
      break;
    case LogicalKind::kTimestampMicrosUtc:
      w->WriteI32(f::kConvertedType, kConvertedTimestampMicros);
      w->BeginStruct(f::kLogicalType);
      w->BeginStruct(logical_type_field::kTimestamp);
      w->WriteBool(timestamp_field::kIsAdjustedToUtc, true);
      w->BeginStruct(timestamp_field::kUnit);
      w->BeginStruct(time_unit_field::kMicros);
      w->EndStruct();
      w->EndStruct();
      w->EndStruct();
      w->EndStruct();
      break;
  }
  w->EndStruct();
}

}  // namespace

void EncodePageHeader(const PageHeader& header, std::string* out) {
  namespace f = page_header_field;
  ThriftCompactWriter w(out);
  w.WriteI32(f::kType, Enum(header.type));
  w.WriteI32(f::kUncompressedSize, header.uncompressed_size);
  w.WriteI32(f::kCompressedSize, header.compressed_size);
  if (header.type == PageType::kDictionaryPage) {
    w.BeginStruct(f::kDictionaryPageHeader);
    w.WriteI32(dictionary_page_field::kNumValues, header.num_values);
    w.WriteI32(dictionary_page_field::kEncoding, Enum(header.encoding));
    w.WriteBool(dictionary_page_field::kIsSorted, false);
    w.EndStruct();
  } else {
    namespace d = data_page_field;
    w.BeginStruct(f::kDataPageHeader);
    w.WriteI32(d::kNumValues, header.num_values);
    w.WriteI32(d::kEncoding, Enum(header.encoding));
    w.WriteI32(d::kDefinitionLevelEncoding, Enum(Encoding::kRle));
    w.WriteI32(d::kRepetitionLevelEncoding, Enum(Encoding::kRle));
    w.EndStruct();
  }
  w.EndStruct();
}

void EncodeRowGroup(const RowGroupMetadata& row_group, std::string* out) {
  namespace f = row_group_field;
  ThriftCompactWriter w(out);
  w.BeginList(f::kColumns, ThriftType::kStruct, static_cast<uint32_t>(row_group.columns.size()));
  for (const ColumnChunkMetadata& column : row_group.columns) {
    w.BeginListStruct();
    // parquet.thrift: "Writers should set this field to 0 if no ColumnMetaData has been written
    // outside the footer."
    w.WriteI64(column_chunk_field::kFileOffset, 0);
    w.BeginStruct(column_chunk_field::kMetaData);
    WriteColumnMetadata(column, &w);
    w.EndStruct();
    w.EndStruct();
  }
  w.WriteI64(f::kTotalByteSize, row_group.total_byte_size);
  w.WriteI64(f::kNumRows, row_group.num_rows);
  w.WriteI64(f::kFileOffset, row_group.file_offset);
  w.WriteI64(f::kTotalCompressedSize, row_group.total_compressed_size);
  // The ordinal is an i16: past that many row groups it is left out rather than wrapped.
  if (row_group.ordinal <= std::numeric_limits<int16_t>::max()) {
    w.WriteI16(f::kOrdinal, static_cast<int16_t>(row_group.ordinal));
  }
  w.EndStruct();
}

void EncodeFileMetadata(const FileMetadata& file, std::string* out) {
  namespace f = file_field;
  ThriftCompactWriter w(out);
  w.WriteI32(f::kVersion, kFormatVersion);
  w.BeginList(f::kSchema, ThriftType::kStruct, static_cast<uint32_t>(file.columns.size() + 1));
  w.BeginListStruct();  // the root: a group holding every column
  w.WriteBinary(schema_field::kName, "schema");
  w.WriteI32(schema_field::kNumChildren, static_cast<int32_t>(file.columns.size()));
  w.EndStruct();
  for (const ColumnSchema& column : file.columns) WriteSchemaElement(column, &w);
  w.WriteI64(f::kNumRows, file.num_rows);
  w.BeginList(f::kRowGroups, ThriftType::kStruct, static_cast<uint32_t>(file.encoded_row_groups.size()));
  for (const std::string& row_group : file.encoded_row_groups) w.ListEncodedStruct(row_group);
  w.BeginList(f::kKeyValueMetadata, ThriftType::kStruct,
              static_cast<uint32_t>(file.key_value_metadata.size()));
  for (const auto& [key, value] : file.key_value_metadata) {
    w.BeginListStruct();
    w.WriteBinary(key_value_field::kKey, key);
    w.WriteBinary(key_value_field::kValue, value);
    w.EndStruct();
  }
  w.WriteBinary(f::kCreatedBy, file.created_by);
  // Without column_orders the min_value/max_value statistics are undefined (parquet.thrift).
  w.BeginList(f::kColumnOrders, ThriftType::kStruct, static_cast<uint32_t>(file.columns.size()));
  for (size_t i = 0; i < file.columns.size(); ++i) {
    w.BeginListStruct();
    w.BeginStruct(column_order_field::kTypeOrder);
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
}

}  // namespace urlsweep::parquet
