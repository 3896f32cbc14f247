#include "output/parquet/thrift_compact.h"

#include <cstring>

namespace urlsweep::parquet {

namespace {
// The short field header holds the id delta in its high nibble.
constexpr int kMaxShortDelta = 15;
// The short list header holds the size in its high nibble; 15 there means "size follows".
constexpr uint32_t kMaxShortListSize = 14;
}  // namespace

void ThriftCompactWriter::AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

void ThriftCompactWriter::FieldHeader(int16_t id, ThriftType type) {
  const int delta = static_cast<int>(id) - static_cast<int>(last_id_);
  if (delta > 0 && delta <= kMaxShortDelta) {
    out_->push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
  } else {
    out_->push_back(static_cast<char>(type));
    AppendVarint(ZigZag32(id), out_);
  }
  last_id_ = id;
}

void ThriftCompactWriter::WriteBool(int16_t id, bool value) {
  FieldHeader(id, value ? ThriftType::kBoolTrue : ThriftType::kBoolFalse);
}

void ThriftCompactWriter::WriteI8(int16_t id, int8_t value) {
  FieldHeader(id, ThriftType::kI8);
  out_->push_back(static_cast<char>(value));
}

void ThriftCompactWriter::WriteI16(int16_t id, int16_t value) {
  FieldHeader(id, ThriftType::kI16);
  AppendVarint(ZigZag32(value), out_);
}

void ThriftCompactWriter::WriteI32(int16_t id, int32_t value) {
  FieldHeader(id, ThriftType::kI32);
  AppendVarint(ZigZag32(value), out_);
}

void ThriftCompactWriter::WriteI64(int16_t id, int64_t value) {
  FieldHeader(id, ThriftType::kI64);
  AppendVarint(ZigZag64(value), out_);
}

void ThriftCompactWriter::WriteDouble(int16_t id, double value) {
  FieldHeader(id, ThriftType::kDouble);
  // Little-endian IEEE 754 bits: the compact protocol's de-facto order.
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>(bits >> (8 * i)));
}

void ThriftCompactWriter::WriteBinary(int16_t id, std::string_view value) {
  FieldHeader(id, ThriftType::kBinary);
  AppendVarint(value.size(), out_);
  out_->append(value);
}

void ThriftCompactWriter::BeginStruct(int16_t id) {
  FieldHeader(id, ThriftType::kStruct);
  outer_ids_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftCompactWriter::EndStruct() {
  out_->push_back(static_cast<char>(ThriftType::kStop));
  if (!outer_ids_.empty()) {
    last_id_ = outer_ids_.back();
    outer_ids_.pop_back();
  }
}

void ThriftCompactWriter::BeginList(int16_t id, ThriftType element, uint32_t size) {
  FieldHeader(id, ThriftType::kList);
  if (size <= kMaxShortListSize) {
    out_->push_back(static_cast<char>((size << 4) | static_cast<uint32_t>(element)));
  } else {
    out_->push_back(static_cast<char>(0xf0 | static_cast<uint32_t>(element)));
    AppendVarint(size, out_);
  }
}

void ThriftCompactWriter::ListBool(bool value) { out_->push_back(value ? 1 : 0); }

void ThriftCompactWriter::ListI32(int32_t value) { AppendVarint(ZigZag32(value), out_); }

void ThriftCompactWriter::ListI64(int64_t value) { AppendVarint(ZigZag64(value), out_); }

void ThriftCompactWriter::ListBinary(std::string_view value) {
  AppendVarint(value.size(), out_);
  out_->append(value);
}

void ThriftCompactWriter::BeginListStruct() {
  outer_ids_.push_back(last_id_);
  last_id_ = 0;
}

void ThriftCompactWriter::ListEncodedStruct(std::string_view encoded) { out_->append(encoded); }

}  // namespace urlsweep::parquet
