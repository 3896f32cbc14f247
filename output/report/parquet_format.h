// The parquet.thrift enum values the Parquet reader acts on (parquet-format: Type, FieldRepetitionType,
// CompressionCodec, Encoding, PageType), and the file's framing. Written here, not taken from the
// writer's output/parquet/parquet_metadata.h, so that a slip in one cannot hide in the other: the
// reader checks the writer.
#pragma once

#include <cstddef>
#include <cstdint>

namespace urlsweep {

// Type
inline constexpr int32_t kParquetInt32 = 1;
inline constexpr int32_t kParquetInt64 = 2;
inline constexpr int32_t kParquetDouble = 5;
inline constexpr int32_t kParquetByteArray = 6;
// FieldRepetitionType
inline constexpr int32_t kParquetRequired = 0;
inline constexpr int32_t kParquetOptional = 1;
// CompressionCodec
inline constexpr int32_t kParquetUncompressed = 0;
inline constexpr int32_t kParquetSnappy = 1;
inline constexpr int32_t kParquetZstd = 6;
// Encoding
inline constexpr int32_t kParquetPlain = 0;
inline constexpr int32_t kParquetPlainDictionary = 2;
inline constexpr int32_t kParquetRle = 3;
inline constexpr int32_t kParquetRleDictionary = 8;
// PageType
inline constexpr int32_t kParquetDataPage = 0;
inline constexpr int32_t kParquetDictionaryPage = 2;
inline constexpr int32_t kParquetDataPageV2 = 3;

// "PAR1" at both ends of the file, the 4-byte footer length before the last one.
inline constexpr size_t kParquetMagicBytes = 4;
inline constexpr size_t kParquetFooterLengthBytes = 4;

}  // namespace urlsweep
