#include "output/report/parquet_column_type.h"

#include <iterator>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "core/row.h"
#include "output/report/row_fields.h"

namespace urlsweep {
namespace {

// parquet.thrift Type.
constexpr int32_t kInt32 = 1;
constexpr int32_t kInt64 = 2;
constexpr int32_t kDouble = 5;
constexpr int32_t kByteArray = 6;
// parquet.thrift ConvertedType: the timestamp units, and the integer annotations UINT_8 .. INT_64.
constexpr int32_t kConvertedTimestampMillis = 9;
constexpr int32_t kConvertedTimestampMicros = 10;
constexpr int32_t kConvertedFirstUint = 11;  // UINT_8; UINT_16, UINT_32, UINT_64 follow
constexpr int32_t kConvertedLastUint = 14;
constexpr int32_t kConvertedLastInt = 18;  // INT_64; INT_8 is 15
// parquet.thrift LogicalType members.
constexpr int16_t kLogicalTimestamp = 8;
constexpr int16_t kLogicalInteger = 10;
// parquet.thrift TimeUnit members.
constexpr int16_t kUnitMillis = 1;
constexpr int16_t kUnitMicros = 2;
constexpr int16_t kUnitNanos = 3;
constexpr int64_t kMicrosPerMilli = 1000;
constexpr int64_t kNanosPerMicro = 1000;

const char* PhysicalName(int32_t type) {
  switch (type) {
    case kInt32: return "INT32";
    case kInt64: return "INT64";
    case kDouble: return "DOUBLE";
    case kByteArray: return "BYTE_ARRAY";
    default: return "another type";
  }
}

// The annotation as parquet-format names it, for messages.
std::string AnnotationName(const ParquetLeafType& leaf) {
  static constexpr const char* kLogical[] = {"",     "STRING", "MAP",     "LIST",    "ENUM",    "DECIMAL",
                                             "DATE", "TIME",   "TIMESTAMP", "",      "INTEGER", "UNKNOWN",
                                             "JSON", "BSON",   "UUID",    "FLOAT16"};
  static constexpr const char* kConverted[] = {
      "UTF8",  "MAP",    "MAP_KEY_VALUE", "LIST",   "ENUM",   "DECIMAL", "DATE",  "TIME_MILLIS",
      "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64",
      "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};
  if (leaf.logical > 0 && leaf.logical < static_cast<int16_t>(std::size(kLogical)) && kLogical[leaf.logical][0]) {
    return kLogical[leaf.logical];
  }
  if (leaf.logical > 0) return absl::StrCat("logical type ", leaf.logical);
  if (leaf.converted_type >= 0 && leaf.converted_type < static_cast<int32_t>(std::size(kConverted))) {
    return kConverted[leaf.converted_type];
  }
  return absl::StrCat("converted type ", leaf.converted_type);
}

bool Annotated(const ParquetLeafType& leaf) { return leaf.logical != 0 || leaf.converted_type >= 0; }

absl::Status Refuse(const ParquetLeafType& leaf, const char* expected) {
  std::string what = PhysicalName(leaf.physical_type);
  if (Annotated(leaf)) absl::StrAppend(&what, " annotated ", AnnotationName(leaf));
  return absl::InvalidArgumentError(absl::StrCat(what, ", expected ", expected));
}

}  // namespace

absl::StatusOr<ParquetIntDecoding> ResolveParquetColumn(int row_column, const ParquetLeafType& leaf) {
  ParquetIntDecoding decoding;
  switch (kColumnKinds[static_cast<size_t>(row_column)]) {
    case ColumnKind::kInt64:
    case ColumnKind::kInt32: {
      if (leaf.physical_type != kInt32 && leaf.physical_type != kInt64) return Refuse(leaf, "INT32 or INT64");
      // The logical type, when present, is the one that counts (LogicalTypes.md: ConvertedType is kept
      // for old readers only).
      if (leaf.logical == kLogicalInteger) {
        decoding.is_unsigned = !leaf.int_signed;
      } else if (leaf.logical == 0 && leaf.converted_type >= kConvertedFirstUint &&
                 leaf.converted_type <= kConvertedLastInt) {
        decoding.is_unsigned = leaf.converted_type <= kConvertedLastUint;
      } else if (Annotated(leaf)) {
        return Refuse(leaf, "an integer");
      }
      return decoding;
    }
    case ColumnKind::kTimestamp: {
      if (leaf.physical_type != kInt64) return Refuse(leaf, "INT64 (a TIMESTAMP)");
      int16_t unit = kUnitMicros;  // unannotated: microseconds, as urlsweep writes them
      if (leaf.logical == kLogicalTimestamp) {
        unit = leaf.time_unit;
      } else if (leaf.logical == 0 && leaf.converted_type == kConvertedTimestampMillis) {
        unit = kUnitMillis;
      } else if (leaf.logical == 0 && leaf.converted_type == kConvertedTimestampMicros) {
        unit = kUnitMicros;
      } else if (Annotated(leaf)) {
        return Refuse(leaf, "a TIMESTAMP");
      }
      if (unit == kUnitMillis) {
        decoding.micros_per_unit = kMicrosPerMilli;
      } else if (unit == kUnitNanos) {
        decoding.units_per_micro = kNanosPerMicro;
      } else if (unit != kUnitMicros) {
        return absl::InvalidArgumentError("a TIMESTAMP without a known unit");
      }
      return decoding;
    }
    case ColumnKind::kMillis:
      if (leaf.physical_type != kDouble) return Refuse(leaf, "DOUBLE");
      return decoding;
    case ColumnKind::kString:
    case ColumnKind::kErrorWord:
      if (leaf.physical_type != kByteArray) return Refuse(leaf, "BYTE_ARRAY");
      return decoding;
  }
  return decoding;
}

absl::StatusOr<int64_t> DecodeParquetInt(const ParquetIntDecoding& decoding, int32_t physical_type, uint64_t bits) {
  int64_t value = 0;
  if (physical_type == kInt32) {
    const auto low = static_cast<uint32_t>(bits);
    value = decoding.is_unsigned ? static_cast<int64_t>(low) : static_cast<int64_t>(static_cast<int32_t>(low));
  } else if (decoding.is_unsigned) {
    if (bits > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InvalidArgumentError(absl::StrCat("unsigned value ", bits, " is past the 64-bit signed range"));
    }
    value = static_cast<int64_t>(bits);
  } else {
    value = static_cast<int64_t>(bits);
  }
  if (decoding.micros_per_unit != 1 && __builtin_mul_overflow(value, decoding.micros_per_unit, &value)) {
    return absl::InvalidArgumentError("timestamp past the microsecond range");
  }
  if (decoding.units_per_micro != 1) {
    // Round toward minus infinity, so that a time before 1970 stays in its own microsecond.
    const int64_t quotient = value / decoding.units_per_micro;
    value = quotient - (value % decoding.units_per_micro < 0 ? 1 : 0);
  }
  return value;
}

}  // namespace urlsweep
