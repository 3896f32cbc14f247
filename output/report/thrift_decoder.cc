#include "output/report/thrift_decoder.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/text.h"

namespace urlsweep {

bool ThriftDecoder::Fail(std::string_view what) {
  if (error_.empty()) error_ = absl::StrCat(ToAbsl(what), " at byte ", pos_, " of the Thrift data");
  return false;
}

bool ThriftDecoder::Varint(uint64_t* value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= bytes_.size()) return Fail("truncated varint");
    const uint8_t b = static_cast<uint8_t>(bytes_[pos_++]);
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *value = v;
      return true;
    }
  }
  return Fail("varint longer than 10 bytes");
}

bool ThriftDecoder::ZigZag(int64_t* value) {
  uint64_t v = 0;
  if (!Varint(&v)) return false;
  *value = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  return true;
}

bool ThriftDecoder::Field(int16_t* id, uint8_t* type) {
  if (pos_ >= bytes_.size()) return Fail("truncated struct");
  const uint8_t header = static_cast<uint8_t>(bytes_[pos_++]);
  if (header == 0) return false;
  *type = header & 0x0f;
  const int delta = header >> 4;
  if (delta != 0) {
    *id = static_cast<int16_t>(last_ids_.back() + delta);
  } else {
    int64_t v = 0;
    if (!ZigZag(&v)) return false;
    *id = static_cast<int16_t>(v);
  }
  last_ids_.back() = *id;
  if (*type == 0 || *type > kThriftStruct) return Fail("unknown Thrift field type");
  return true;
}

bool ThriftDecoder::Int(uint8_t type, int64_t* value) {
  if (type == kThriftI8) {
    if (pos_ >= bytes_.size()) return Fail("truncated byte");
    *value = static_cast<int8_t>(bytes_[pos_++]);
    return true;
  }
  if (type != kThriftI16 && type != kThriftI32 && type != kThriftI64) return Fail("expected an integer field");
  return ZigZag(value);
}

bool ThriftDecoder::Int32(uint8_t type, int32_t* value) {
  int64_t v = 0;
  if (!Int(type, &v)) return false;
  if (v < INT32_MIN || v > INT32_MAX) return Fail("i32 out of range");
  *value = static_cast<int32_t>(v);
  return true;
}

bool ThriftDecoder::Binary(uint8_t type, std::string_view* value) {
  if (type != kThriftBinary) return Fail("expected a binary field");
  uint64_t n = 0;
  if (!Varint(&n)) return false;
  if (n > bytes_.size() - pos_) return Fail("binary longer than the data");
  *value = bytes_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool ThriftDecoder::List(uint8_t type, uint8_t* element, uint64_t* size) {
  if (type != kThriftList && type != kThriftSet) return Fail("expected a list field");
  if (pos_ >= bytes_.size()) return Fail("truncated list");
  const uint8_t header = static_cast<uint8_t>(bytes_[pos_++]);
  *element = header & 0x0f;
  uint64_t n = header >> 4;
  if (n == 15 && !Varint(&n)) return false;
  if (n > bytes_.size() - pos_) return Fail("list longer than the data");
  *size = n;
  return true;
}

bool ThriftDecoder::StructList(uint8_t type, std::string_view name, uint64_t* size) {
  uint8_t element = 0;
  if (!List(type, &element, size)) return false;
  return element == kThriftStruct || Fail(absl::StrCat(ToAbsl(name), " is not a list of structs"));
}

bool ThriftDecoder::Skip(uint8_t type, int depth) {
  if (depth > kMaxDepth) return Fail("Thrift nested too deeply");
  int64_t ignored = 0;
  std::string_view bytes;
  switch (type) {
    case kThriftBoolTrue:
    case kThriftBoolFalse:
      return true;  // in a struct field the value is in the type; list elements are handled below
    case kThriftI8:
    case kThriftI16:
    case kThriftI32:
    case kThriftI64: return Int(type, &ignored);
    case kThriftDouble:
      if (bytes_.size() - pos_ < 8) return Fail("truncated double");
      pos_ += 8;
      return true;
    case kThriftBinary: return Binary(type, &bytes);
    case kThriftList:
    case kThriftSet: {
      uint8_t element = 0;
      uint64_t n = 0;
      if (!List(type, &element, &n)) return false;
      for (uint64_t i = 0; i < n; ++i) {
        if (element == kThriftBoolTrue || element == kThriftBoolFalse) {
          if (pos_ >= bytes_.size()) return Fail("truncated bool list");
          ++pos_;
        } else if (!Skip(element, depth + 1)) {
          return false;
        }
      }
      return true;
    }
    case kThriftMap: {
      uint64_t n = 0;
      if (!Varint(&n)) return false;
      if (n == 0) return true;
      if (n > bytes_.size() - pos_) return Fail("map longer than the data");
      if (pos_ >= bytes_.size()) return Fail("truncated map");
      const uint8_t types = static_cast<uint8_t>(bytes_[pos_++]);
      for (uint64_t i = 0; i < n; ++i) {
        if (!Skip(types >> 4, depth + 1) || !Skip(types & 0x0f, depth + 1)) return false;
      }
      return true;
    }
    case kThriftStruct:
      return Struct([this, depth](int16_t, uint8_t field_type) { return Skip(field_type, depth + 1); });
    default: return Fail("unknown Thrift type");
  }
}

}  // namespace urlsweep
