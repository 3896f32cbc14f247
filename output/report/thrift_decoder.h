// ThriftDecoder: reads the Thrift compact protocol (thrift-compact-protocol.md) field by field, for the
// Parquet reader's footer and page headers. Pure, and it never trusts its bytes: every read checks what
// is left, every length is checked against the bytes left, and skipping unknown fields stops at
// kMaxDepth. After the first failure every call returns false and error() says what and where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace urlsweep {

// Compact protocol type codes (thrift-compact-protocol.md, "Struct encoding").
inline constexpr uint8_t kThriftBoolTrue = 1;
inline constexpr uint8_t kThriftBoolFalse = 2;
inline constexpr uint8_t kThriftI8 = 3;
inline constexpr uint8_t kThriftI16 = 4;
inline constexpr uint8_t kThriftI32 = 5;
inline constexpr uint8_t kThriftI64 = 6;
inline constexpr uint8_t kThriftDouble = 7;
inline constexpr uint8_t kThriftBinary = 8;
inline constexpr uint8_t kThriftList = 9;
inline constexpr uint8_t kThriftSet = 10;
inline constexpr uint8_t kThriftMap = 11;
inline constexpr uint8_t kThriftStruct = 12;

class ThriftDecoder {
 public:
  // Thrift structs nest about five deep in a Parquet footer; skipping unknown fields recurses, so
  // hostile nesting is cut off here.
  static constexpr int kMaxDepth = 32;

  explicit ThriftDecoder(std::string_view bytes) : bytes_(bytes) {}

  // Bytes consumed so far.
  size_t position() const { return pos_; }
  // Empty until a read fails; then what failed and at which byte.
  const std::string& error() const { return error_; }

  // Records `what` as the error (the first one only) and returns false.
  bool Fail(std::string_view what);

  bool Varint(uint64_t* value);
  bool ZigZag(int64_t* value);

  // Struct framing: the field ids of a struct are deltas from the previous id of the same struct.
  void BeginStruct() { last_ids_.push_back(0); }
  void EndStruct() { last_ids_.pop_back(); }
  // The next field's id and type; false at the stop byte (check error() to tell it from a failure).
  bool Field(int16_t* id, uint8_t* type);

  // Reads one struct: `on_field(id, type)` for each of its fields, which reads or skips the field's
  // value and returns false on failure. True when the struct ended at its stop byte without a failure.
  template <typename OnField>
  bool Struct(OnField&& on_field) {
    BeginStruct();
    int16_t id = 0;
    uint8_t type = 0;
    while (Field(&id, &type)) {
      if (!on_field(id, type)) return false;
    }
    EndStruct();
    return error_.empty();
  }

  // An i8, i16, i32 or i64 field's value.
  bool Int(uint8_t type, int64_t* value);
  // An integer field's value that must fit an i32.
  bool Int32(uint8_t type, int32_t* value);
  // A binary (string) field: a view into the decoder's bytes.
  bool Binary(uint8_t type, std::string_view* value);
  // A list header; the size is checked against the bytes left (every element takes at least one).
  bool List(uint8_t type, uint8_t* element, uint64_t* size);
  // A list header whose elements must be structs; `name` (the field's) says which list was not.
  bool StructList(uint8_t type, std::string_view name, uint64_t* size);

  // Skips a value of `type`, nested ones included.
  bool Skip(uint8_t type, int depth = 0);

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  std::vector<int16_t> last_ids_;
  std::string error_;
};

}  // namespace urlsweep
