// How the values of one Parquet leaf become the values of a report column, decided from the leaf's
// physical type and its annotations (parquet-format LogicalTypes.md), so that a result file rewritten
// by a pipeline reads the same as urlsweep's own: DuckDB writes `CAST(port AS BIGINT)` as INT64,
// `SMALLINT` as INT32 annotated INT_16, `UINTEGER` as INT32 annotated UINT_32, and TIMESTAMP_MS /
// TIMESTAMP_NS as INT64 in milliseconds / nanoseconds. Pure.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace urlsweep {

// What a schema element says about its values (parquet.thrift SchemaElement, fields 1, 6 and 10).
struct ParquetLeafType {
  int32_t physical_type = -1;   // parquet.thrift Type
  int32_t converted_type = -1;  // parquet.thrift ConvertedType; -1 when absent
  int16_t logical = 0;          // the LogicalType union member set (its field id); 0 when absent
  bool int_signed = true;       // LogicalType INTEGER: IntType.isSigned
  int16_t time_unit = 0;        // LogicalType TIMESTAMP: the TimeUnit member (1 MILLIS, 2 MICROS, 3 NANOS)
};

// How to read a stored integer: as unsigned, and in which timestamp unit.
struct ParquetIntDecoding {
  bool is_unsigned = false;
  // A timestamp column's unit: a stored value is multiplied by this many microseconds (milliseconds:
  // 1000) or divided by this many units per microsecond, rounding down (nanoseconds: 1000).
  int64_t micros_per_unit = 1;
  int64_t units_per_micro = 1;
};

// The decoding of report column `row_column` (an index into kColumnNames) stored as `leaf`, or an
// InvalidArgument error "INT64 annotated DATE, expected an integer" (the caller names the column).
// Integer columns take INT32 or INT64, signed or unsigned, annotated or not; timestamp columns INT64,
// TIMESTAMP in any unit or unannotated (microseconds, as urlsweep writes); milliseconds DOUBLE; text
// BYTE_ARRAY.
absl::StatusOr<ParquetIntDecoding> ResolveParquetColumn(int row_column, const ParquetLeafType& leaf);

// A stored INT32 or INT64 (its bits, zero-extended) as the column's integer: unsigned values past
// INT64_MAX and timestamps that overflow microseconds are errors.
absl::StatusOr<int64_t> DecodeParquetInt(const ParquetIntDecoding& decoding, int32_t physical_type, uint64_t bits);

}  // namespace urlsweep
