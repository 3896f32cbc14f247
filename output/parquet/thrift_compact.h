// ThriftCompactWriter: the Thrift compact protocol encoder (thrift doc/specs/thrift-compact-protocol.md)
// in which Parquet writes its page headers and its footer. Pure: it appends bytes to a caller's string and
// never fails; the caller is responsible for writing the fields a struct requires.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/inlined_vector.h"

namespace urlsweep::parquet {

// Type codes of the compact protocol. Field headers use kBoolTrue/kBoolFalse to carry a bool's value;
// list headers use kBoolList for bool elements (the spec's element-type table).
enum class ThriftType : uint8_t {
  kStop = 0,
  kBoolTrue = 1,
  kBoolFalse = 2,
  kI8 = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};
inline constexpr ThriftType kBoolList = ThriftType::kBoolFalse;

class ThriftCompactWriter {
 public:
  // Starts a top-level struct whose bytes are appended to *out; finish it with EndStruct().
  explicit ThriftCompactWriter(std::string* out) : out_(out) {}

  // Struct fields. Ids need not increase: a delta outside 1..15 uses the long header form.
  void WriteBool(int16_t id, bool value);
  void WriteI8(int16_t id, int8_t value);
  void WriteI16(int16_t id, int16_t value);
  void WriteI32(int16_t id, int32_t value);
  void WriteI64(int16_t id, int64_t value);
  void WriteDouble(int16_t id, double value);
  void WriteBinary(int16_t id, std::string_view value);
  // A field holding a struct (or union): the fields written next belong to it until EndStruct().
  void BeginStruct(int16_t id);
  // Writes the stop byte of the innermost open struct (the top-level one last).
  void EndStruct();

  // A list field of `size` elements of `element` type; write exactly `size` elements next.
  void BeginList(int16_t id, ThriftType element, uint32_t size);
  void ListBool(bool value);
  void ListI32(int32_t value);
  void ListI64(int64_t value);
  void ListBinary(std::string_view value);
  // A struct element of a list; close it with EndStruct().
  void BeginListStruct();
  // A struct element already encoded on its own by another ThriftCompactWriter (stop byte included).
  void ListEncodedStruct(std::string_view encoded);

  // Encoding primitives, public for tests and for callers that frame their own bytes.
  static void AppendVarint(uint64_t value, std::string* out);
  static uint32_t ZigZag32(int32_t value) {
    return (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
  }
  static uint64_t ZigZag64(int64_t value) {
    return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  }

 private:
  void FieldHeader(int16_t id, ThriftType type);

  std::string* out_;
  int16_t last_id_ = 0;
  // Parquet's footer nests structs about five deep; deeper nesting just spills to the heap.
  static constexpr size_t kInlineDepth = 8;
  absl::InlinedVector<int16_t, kInlineDepth> outer_ids_;
};

}  // namespace urlsweep::parquet
