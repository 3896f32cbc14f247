#include "output/report/parquet_reader.h"

#include <snappy.h>
#include <zstd.h>

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/text.h"
#include "output/report/parquet_column_type.h"
#include "output/report/row_fields.h"

namespace urlsweep {
namespace {

// parquet.thrift enum values the reader acts on.
constexpr int32_t kTypeInt32 = 1;
constexpr int32_t kTypeInt64 = 2;
constexpr int32_t kTypeDouble = 5;
constexpr int32_t kTypeByteArray = 6;
constexpr int32_t kRepetitionRequired = 0;
constexpr int32_t kRepetitionOptional = 1;
constexpr int32_t kCodecUncompressed = 0;
constexpr int32_t kCodecSnappy = 1;
constexpr int32_t kCodecZstd = 6;
constexpr int32_t kEncodingPlain = 0;
constexpr int32_t kEncodingPlainDictionary = 2;
constexpr int32_t kEncodingRle = 3;
constexpr int32_t kEncodingRleDictionary = 8;
constexpr int32_t kPageData = 0;
constexpr int32_t kPageDictionary = 2;
constexpr int32_t kPageDataV2 = 3;

// Thrift compact protocol type codes (thrift-compact-protocol.md).
constexpr uint8_t kThriftBoolTrue = 1;
constexpr uint8_t kThriftBoolFalse = 2;
constexpr uint8_t kThriftI8 = 3;
constexpr uint8_t kThriftI16 = 4;
constexpr uint8_t kThriftI32 = 5;
constexpr uint8_t kThriftI64 = 6;
constexpr uint8_t kThriftDouble = 7;
constexpr uint8_t kThriftBinary = 8;
constexpr uint8_t kThriftList = 9;
constexpr uint8_t kThriftSet = 10;
constexpr uint8_t kThriftMap = 11;
constexpr uint8_t kThriftStruct = 12;

// "PAR1" at both ends plus the 4-byte footer length.
constexpr size_t kMagicBytes = 4;
constexpr size_t kFooterLengthBytes = 4;

uint32_t LoadLe32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // x86-64 and AArch64 Linux are little-endian, as Parquet is
}

// Decodes Thrift compact structs field by field. Every read checks the remaining bytes; after the first
// failure every call returns false and `error` says where.
class ThriftDecoder {
 public:
  explicit ThriftDecoder(std::string_view bytes) : bytes_(bytes) {}

  size_t position() const { return pos_; }
  const std::string& error() const { return error_; }

  bool Fail(std::string_view what) {
    if (error_.empty()) error_ = absl::StrCat(ToAbsl(what), " at byte ", pos_, " of the Thrift data");
    return false;
  }

  bool Varint(uint64_t* value) {
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
  bool ZigZag(int64_t* value) {
    uint64_t v = 0;
    if (!Varint(&v)) return false;
    *value = static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
    return true;
  }

  // Struct framing: the field ids of a struct are deltas from the previous id of the same struct.
  void BeginStruct() { last_ids_.push_back(0); }
  void EndStruct() { last_ids_.pop_back(); }
  // The next field's id and type; false at the stop byte (check error() to tell it from a failure).
  bool Field(int16_t* id, uint8_t* type) {
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

  bool Int(uint8_t type, int64_t* value) {
    if (type == kThriftI8) {
      if (pos_ >= bytes_.size()) return Fail("truncated byte");
      *value = static_cast<int8_t>(bytes_[pos_++]);
      return true;
    }
    if (type != kThriftI16 && type != kThriftI32 && type != kThriftI64) return Fail("expected an integer field");
    return ZigZag(value);
  }
  bool Int32(uint8_t type, int32_t* value) {
    int64_t v = 0;
    if (!Int(type, &v)) return false;
    if (v < INT32_MIN || v > INT32_MAX) return Fail("i32 out of range");
    *value = static_cast<int32_t>(v);
    return true;
  }
  bool Binary(uint8_t type, std::string_view* value) {
    if (type != kThriftBinary) return Fail("expected a binary field");
    uint64_t n = 0;
    if (!Varint(&n)) return false;
    if (n > bytes_.size() - pos_) return Fail("binary longer than the data");
    *value = bytes_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // A list header; the size is checked against the bytes left (every element takes at least one).
  bool List(uint8_t type, uint8_t* element, uint64_t* size) {
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

  bool Skip(uint8_t type, int depth = 0) {
    if (depth > ParquetReader::kMaxThriftDepth) return Fail("Thrift nested too deeply");
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
      case kThriftStruct: {
        BeginStruct();
        int16_t id = 0;
        uint8_t field_type = 0;
        while (Field(&id, &field_type)) {
          if (!Skip(field_type, depth + 1)) return false;
        }
        EndStruct();
        return error_.empty();
      }
      default: return Fail("unknown Thrift type");
    }
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  std::vector<int16_t> last_ids_;
  std::string error_;
};

// parquet.thrift SchemaElement, the fields the reader needs.
struct SchemaElement {
  int32_t type = -1;
  int32_t repetition = -1;
  std::string_view name;
  int32_t num_children = 0;
  ParquetLeafType annotation;  // type, converted_type, logicalType: how the values read
};

// --- Annotations: which integer width and timestamp unit a leaf holds (parquet_column_type.h) ---------

// parquet.thrift LogicalType (a union): which member is set, and of INTEGER and TIMESTAMP the
// signedness and the unit. Other members' contents are skipped.
bool ReadLogicalType(ThriftDecoder& d, ParquetLeafType* t) {
  constexpr int16_t kTimestamp = 8;
  constexpr int16_t kInteger = 10;
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (d.Field(&id, &type)) {
    t->logical = id;
    if ((id != kTimestamp && id != kInteger) || type != kThriftStruct) {
      if (!d.Skip(type)) return false;
      continue;
    }
    d.BeginStruct();
    int16_t member = 0;
    uint8_t member_type = 0;
    while (d.Field(&member, &member_type)) {
      if (id == kInteger && member == 2 && (member_type == kThriftBoolTrue || member_type == kThriftBoolFalse)) {
        t->int_signed = member_type == kThriftBoolTrue;  // a struct field's bool is in its type nibble
      } else if (id == kTimestamp && member == 2 && member_type == kThriftStruct) {
        d.BeginStruct();  // TimeUnit, a union of empty structs: the member's id is the unit
        int16_t unit = 0;
        uint8_t unit_type = 0;
        while (d.Field(&unit, &unit_type)) {
          t->time_unit = unit;
          if (!d.Skip(unit_type)) return false;
        }
        d.EndStruct();
      } else if (!d.Skip(member_type)) {
        return false;
      }
    }
    d.EndStruct();
    if (!d.error().empty()) return false;
  }
  d.EndStruct();
  return d.error().empty();
}

// --- end of annotations ----------------------------------------------------------------------------

bool ReadSchemaElement(ThriftDecoder& d, SchemaElement* e) {
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (d.Field(&id, &type)) {
    bool ok = true;
    switch (id) {
      case 1: ok = d.Int32(type, &e->type); break;
      case 3: ok = d.Int32(type, &e->repetition); break;
      case 4: ok = d.Binary(type, &e->name); break;
      case 5: ok = d.Int32(type, &e->num_children); break;
      case 6: ok = d.Int32(type, &e->annotation.converted_type); break;
      case 10: ok = type == kThriftStruct ? ReadLogicalType(d, &e->annotation) : d.Skip(type); break;
      default: ok = d.Skip(type); break;
    }
    if (!ok) return false;
  }
  d.EndStruct();
  return d.error().empty();
}

// parquet.thrift ColumnMetaData, the fields the reader needs.
struct ColumnMeta {
  int32_t type = -1;
  std::vector<std::string_view> path;
  int32_t codec = -1;
  int64_t num_values = -1;
  int64_t total_compressed_size = -1;
  int64_t data_page_offset = -1;
  int64_t dictionary_page_offset = -1;
};

bool ReadColumnMeta(ThriftDecoder& d, ColumnMeta* m) {
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (d.Field(&id, &type)) {
    bool ok = true;
    switch (id) {
      case 1: ok = d.Int32(type, &m->type); break;
      case 3: {
        uint8_t element = 0;
        uint64_t n = 0;
        ok = d.List(type, &element, &n);
        for (uint64_t i = 0; ok && i < n; ++i) {
          std::string_view part;
          ok = d.Binary(element, &part);
          if (ok) m->path.push_back(part);
        }
        break;
      }
      case 4: ok = d.Int32(type, &m->codec); break;
      case 5: ok = d.Int(type, &m->num_values); break;
      case 7: ok = d.Int(type, &m->total_compressed_size); break;
      case 9: ok = d.Int(type, &m->data_page_offset); break;
      case 11: ok = d.Int(type, &m->dictionary_page_offset); break;
      default: ok = d.Skip(type); break;
    }
    if (!ok) return false;
  }
  d.EndStruct();
  return d.error().empty();
}

// parquet.thrift ColumnChunk: an external file_path is refused by the caller.
bool ReadColumnChunk(ThriftDecoder& d, ColumnMeta* m, bool* external, bool* has_meta) {
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (d.Field(&id, &type)) {
    bool ok = true;
    if (id == 1) {
      *external = true;
      ok = d.Skip(type);
    } else if (id == 3 && type == kThriftStruct) {
      *has_meta = true;
      ok = ReadColumnMeta(d, m);
    } else {
      ok = d.Skip(type);
    }
    if (!ok) return false;
  }
  d.EndStruct();
  return d.error().empty();
}

// parquet.thrift PageHeader with its DataPageHeader or DictionaryPageHeader.
struct PageHeader {
  int32_t type = -1;
  int32_t uncompressed_size = -1;
  int32_t compressed_size = -1;
  int32_t num_values = -1;
  int32_t encoding = -1;
  int32_t definition_level_encoding = -1;
};

bool ReadPageSubheader(ThriftDecoder& d, bool data, PageHeader* h) {
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (d.Field(&id, &type)) {
    bool ok = true;
    if (id == 1) {
      ok = d.Int32(type, &h->num_values);
    } else if (id == 2) {
      ok = d.Int32(type, &h->encoding);
    } else if (id == 3 && data) {
      ok = d.Int32(type, &h->definition_level_encoding);
    } else {
      ok = d.Skip(type);
    }
    if (!ok) return false;
  }
  d.EndStruct();
  return d.error().empty();
}

bool ReadPageHeader(ThriftDecoder& d, PageHeader* h) {
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (d.Field(&id, &type)) {
    bool ok = true;
    switch (id) {
      case 1: ok = d.Int32(type, &h->type); break;
      case 2: ok = d.Int32(type, &h->uncompressed_size); break;
      case 3: ok = d.Int32(type, &h->compressed_size); break;
      case 5:
      case 7: ok = type == kThriftStruct ? ReadPageSubheader(d, id == 5, h) : d.Skip(type); break;
      default: ok = d.Skip(type); break;
    }
    if (!ok) return false;
  }
  d.EndStruct();
  return d.error().empty();
}

// Decodes `count` values of the RLE / bit-packing hybrid (Encodings.md) at `bit_width` into *out.
// Values past `count` in the last bit-packed group are ignored, as the format allows.
bool DecodeHybrid(std::string_view data, int bit_width, size_t count, std::vector<uint32_t>* out) {
  out->clear();
  if (bit_width < 0 || bit_width > 32) return false;
  const size_t value_bytes = static_cast<size_t>((bit_width + 7) / 8);
  size_t pos = 0;
  while (out->size() < count) {
    uint64_t header = 0;
    int shift = 0;
    while (true) {
      if (pos >= data.size() || shift > 63) return false;
      const uint8_t b = static_cast<uint8_t>(data[pos++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    const uint64_t left = count - out->size();
    if ((header & 1) == 0) {
      const uint64_t run = header >> 1;
      if (run == 0 || value_bytes > data.size() - pos) return false;
      uint32_t value = 0;
      for (size_t b = 0; b < value_bytes; ++b) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos + b])) << (8 * b);
      }
      pos += value_bytes;
      if (bit_width < 32 && (value >> bit_width) != 0) return false;
      out->insert(out->end(), static_cast<size_t>(run < left ? run : left), value);
    } else {
      const uint64_t groups = header >> 1;
      if (groups == 0) return false;
      // Each group of 8 values takes bit_width bytes.
      if (bit_width > 0 && groups > (data.size() - pos) / static_cast<uint64_t>(bit_width)) return false;
      const uint64_t values = groups * 8;
      const uint64_t take = values < left ? values : left;
      const uint64_t mask = bit_width == 32 ? 0xffffffffu : ((uint64_t{1} << bit_width) - 1);
      for (uint64_t k = 0; k < take; ++k) {
        const uint64_t bit = k * static_cast<uint64_t>(bit_width);
        uint64_t word = 0;
        const size_t first = pos + static_cast<size_t>(bit / 8);
        const size_t span = static_cast<size_t>((bit % 8 + static_cast<uint64_t>(bit_width) + 7) / 8);
        for (size_t b = 0; b < span; ++b)
          word |= static_cast<uint64_t>(static_cast<uint8_t>(data[first + b])) << (8 * b);
        out->push_back(static_cast<uint32_t>((word >> (bit % 8)) & mask));
      }
      pos += static_cast<size_t>(groups) * static_cast<size_t>(bit_width);
    }
  }
  return true;
}

// Splits PLAIN values of `type` (Encodings.md: little-endian fixed width, byte arrays with a 4-byte
// length) into views of their bytes.
bool SplitPlain(int32_t type, std::string_view data, size_t count, std::vector<std::string_view>* out) {
  size_t pos = 0;
  for (size_t k = 0; k < count; ++k) {
    size_t n = type == kTypeInt32 ? 4 : 8;
    if (type == kTypeByteArray) {
      if (data.size() - pos < 4) return false;
      n = LoadLe32(data.data() + pos);
      pos += 4;
    }
    if (n > data.size() - pos) return false;
    out->push_back(data.substr(pos, n));
    pos += n;
  }
  return true;
}

bool Decompress(int32_t codec, std::string_view in, size_t size, std::string* out) {
  switch (codec) {
    case kCodecUncompressed:
      if (in.size() != size) return false;
      out->assign(in.data(), in.size());
      return true;
    case kCodecSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &n) || n != size) return false;
      out->resize(size);
      return snappy::RawUncompress(in.data(), in.size(), out->data());
    }
    case kCodecZstd: {
      out->resize(size);
      const size_t n = ZSTD_decompress(out->data(), size, in.data(), in.size());
      return !ZSTD_isError(n) && n == size;
    }
    default: return false;
  }
}

}  // namespace

absl::StatusOr<ParquetReader> ParquetReader::Open(std::string_view file) {
  auto bad = [](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("not a readable Parquet file: ", ToAbsl(why)));
  };
  if (file.size() < 2 * kMagicBytes + kFooterLengthBytes) return bad("too short");
  if (file.substr(0, kMagicBytes) != "PAR1" || file.substr(file.size() - kMagicBytes) != "PAR1") {
    return bad("no PAR1 magic at both ends");
  }
  const uint32_t footer_length = LoadLe32(file.data() + file.size() - kMagicBytes - kFooterLengthBytes);
  if (footer_length > file.size() - 2 * kMagicBytes - kFooterLengthBytes) return bad("footer length past the file");
  const size_t footer_start = file.size() - kMagicBytes - kFooterLengthBytes - footer_length;

  ParquetReader reader;
  reader.file_ = file;
  ThriftDecoder d(file.substr(footer_start, footer_length));
  std::vector<SchemaElement> schema;
  struct RawGroup {
    int64_t rows = -1;
    std::vector<ColumnMeta> chunks;
    bool external = false;
    bool missing_meta = false;
  };
  std::vector<RawGroup> groups;
  int64_t num_rows = -1;
  bool ok = true;
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (ok && d.Field(&id, &type)) {
    switch (id) {
      case 2: {
        uint8_t element = 0;
        uint64_t n = 0;
        ok = d.List(type, &element, &n) && (element == kThriftStruct || d.Fail("schema is not a list of structs"));
        for (uint64_t i = 0; ok && i < n; ++i) {
          schema.emplace_back();
          ok = ReadSchemaElement(d, &schema.back());
        }
        break;
      }
      case 3: ok = d.Int(type, &num_rows); break;
      case 4: {
        uint8_t element = 0;
        uint64_t n = 0;
        ok = d.List(type, &element, &n) && (element == kThriftStruct || d.Fail("row_groups is not a list of structs"));
        for (uint64_t i = 0; ok && i < n; ++i) {
          RawGroup& g = groups.emplace_back();
          d.BeginStruct();
          int16_t gid = 0;
          uint8_t gtype = 0;
          while (ok && d.Field(&gid, &gtype)) {
            if (gid == 1) {
              uint8_t chunk_element = 0;
              uint64_t chunks = 0;
              ok = d.List(gtype, &chunk_element, &chunks) &&
                   (chunk_element == kThriftStruct || d.Fail("columns is not a list of structs"));
              for (uint64_t c = 0; ok && c < chunks; ++c) {
                bool has_meta = false;
                ok = ReadColumnChunk(d, &g.chunks.emplace_back(), &g.external, &has_meta);
                if (!has_meta) g.missing_meta = true;
              }
            } else if (gid == 3) {
              ok = d.Int(gtype, &g.rows);
            } else {
              ok = d.Skip(gtype);
            }
          }
          ok = ok && d.error().empty();
          d.EndStruct();
        }
        break;
      }
      default: ok = d.Skip(type); break;
    }
  }
  if (!ok || !d.error().empty()) return bad(absl::StrCat("footer: ", d.error().empty() ? "malformed" : d.error()));
  d.EndStruct();
  if (d.position() != footer_length) return bad("footer does not decode to exactly its length");
  if (num_rows < 0) return bad("footer without num_rows");
  if (schema.empty()) return bad("no schema");
  if (schema[0].num_children != static_cast<int32_t>(schema.size() - 1)) {
    return bad("nested schema (urlsweep writes a flat one)");
  }

  bool seen[kColumnNames.size()] = {};
  for (size_t leaf = 0; leaf + 1 < schema.size(); ++leaf) {
    const SchemaElement& e = schema[leaf + 1];
    if (e.num_children != 0) return bad(absl::StrCat("column '", ToAbsl(e.name), "' is nested"));
    const int column = ColumnIndex(e.name);
    if (column < 0) continue;
    if (seen[column]) return bad(absl::StrCat("column '", ToAbsl(e.name), "' appears twice"));
    seen[column] = true;
    if (e.repetition != kRepetitionRequired && e.repetition != kRepetitionOptional) {
      return bad(absl::StrCat("column '", ToAbsl(e.name), "' is repeated"));
    }
    ParquetLeafType annotation = e.annotation;
    annotation.physical_type = e.type;
    absl::StatusOr<ParquetIntDecoding> decoding = ResolveParquetColumn(column, annotation);
    if (!decoding.ok()) return bad(absl::StrCat("column '", ToAbsl(e.name), "' is ", decoding.status().message()));
    reader.columns_.push_back({column, leaf, e.type, e.repetition == kRepetitionOptional, *decoding});
  }
  if (!seen[0] || !seen[1]) return bad("no 'line' or 'url' column: not a urlsweep result");

  const int64_t data_end = static_cast<int64_t>(footer_start);
  int64_t total_rows = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const RawGroup& raw = groups[g];
    if (raw.external) return bad("a column chunk in another file");
    if (raw.missing_meta) return bad("a column chunk without metadata");
    if (raw.rows < 0 || raw.chunks.size() != schema.size() - 1) {
      return bad(absl::StrCat("row group ", g, " does not match the schema"));
    }
    if (raw.rows > kMaxRowGroupRows) {
      return bad(absl::StrCat("row group ", g, " has ", raw.rows, " rows, more than the ", kMaxRowGroupRows,
                              " this reader holds at once"));
    }
    if (__builtin_add_overflow(total_rows, raw.rows, &total_rows)) return bad("row counts overflow");
    RowGroup& out = reader.row_groups_.emplace_back();
    out.rows = raw.rows;
    for (size_t c = 0; c < raw.chunks.size(); ++c) {
      const ColumnMeta& m = raw.chunks[c];
      const SchemaElement& e = schema[c + 1];
      if (m.path.size() != 1 || m.path[0] != e.name) {
        return bad(absl::StrCat("row group ", g, ": column chunk ", c, " is not column '", ToAbsl(e.name), "'"));
      }
      Chunk chunk;
      chunk.codec = m.codec;
      chunk.num_values = m.num_values;
      chunk.start = m.dictionary_page_offset > 0 && m.dictionary_page_offset < m.data_page_offset
                        ? m.dictionary_page_offset
                        : m.data_page_offset;
      chunk.size = m.total_compressed_size;
      if (chunk.start < static_cast<int64_t>(kMagicBytes) || chunk.size < 0 || chunk.start > data_end ||
          chunk.size > data_end - chunk.start) {
        return bad(absl::StrCat("row group ", g, ": column '", ToAbsl(e.name), "' lies outside the data"));
      }
      if (m.type != e.type)
        return bad(absl::StrCat("column '", ToAbsl(e.name), "': chunk type differs from the schema"));
      out.chunks.push_back(chunk);
    }
  }
  if (total_rows != num_rows) return bad("num_rows differs from the row groups' sum");
  reader.num_rows_ = num_rows;
  return reader;
}

absl::Status ParquetReader::ReadRowGroup(size_t index, std::vector<Row>* rows) {
  const RowGroup& group = row_groups_[index];
  rows->resize(static_cast<size_t>(group.rows));
  for (Row& row : *rows) row.Clear();
  for (const Column& column : columns_) {
    if (absl::Status st = ReadChunk(column, group.chunks[column.leaf], group.rows, rows); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("row group ", index, ", column '",
                                                     ToAbsl(kColumnNames[static_cast<size_t>(column.row_column)]),
                                                     "': ", st.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ParquetReader::StoreValue(const Column& column, std::string_view value, Row* row) {
  switch (column.physical_type) {
    case kTypeInt32:
    case kTypeInt64: {
      uint64_t bits = 0;
      std::memcpy(&bits, value.data(), value.size());  // little-endian, as Parquet is
      absl::StatusOr<int64_t> v = DecodeParquetInt(column.decoding, column.physical_type, bits);
      if (!v.ok()) return v.status();
      return SetColumnInt(column.row_column, *v, row);
    }
    case kTypeDouble: {
      double v;
      std::memcpy(&v, value.data(), 8);
      SetColumnMillis(column.row_column, v, row);
      return absl::OkStatus();
    }
    default: return SetColumnString(column.row_column, value, row);
  }
}

absl::Status ParquetReader::ReadChunk(const Column& column, const Chunk& chunk, int64_t rows, std::vector<Row>* out) {
  if (chunk.codec != kCodecUncompressed && chunk.codec != kCodecSnappy && chunk.codec != kCodecZstd) {
    return absl::InvalidArgumentError(
        absl::StrCat("codec ", chunk.codec, " is not supported (only none, snappy, zstd)"));
  }
  if (chunk.num_values != rows) return absl::InvalidArgumentError("num_values differs from the row group's rows");
  const size_t fixed = column.physical_type == kTypeInt32 ? 4 : 8;
  bool has_dictionary = false;
  dictionary_.clear();
  std::vector<std::string_view> values;
  int64_t row = 0;
  int64_t pos = chunk.start;
  const int64_t end = chunk.start + chunk.size;
  while (pos < end) {
    ThriftDecoder d(file_.substr(static_cast<size_t>(pos), static_cast<size_t>(end - pos)));
    PageHeader header;
    if (!ReadPageHeader(d, &header)) {
      return absl::InvalidArgumentError(absl::StrCat("page header: ", d.error().empty() ? "malformed" : d.error()));
    }
    pos += static_cast<int64_t>(d.position());
    if (header.compressed_size < 0 || header.compressed_size > end - pos || header.uncompressed_size < 0 ||
        header.uncompressed_size > kMaxPageBytes || header.num_values < 0) {
      return absl::InvalidArgumentError("page sizes out of range");
    }
    const std::string_view compressed =
        file_.substr(static_cast<size_t>(pos), static_cast<size_t>(header.compressed_size));
    pos += header.compressed_size;
    if (header.type == kPageDictionary) {
      if (has_dictionary || row > 0) return absl::InvalidArgumentError("a dictionary page after the first page");
      if (header.encoding != kEncodingPlain && header.encoding != kEncodingPlainDictionary) {
        return absl::InvalidArgumentError("dictionary page not PLAIN");
      }
      if (!Decompress(chunk.codec, compressed, static_cast<size_t>(header.uncompressed_size), &dictionary_page_)) {
        return absl::InvalidArgumentError("dictionary page does not decompress to its size");
      }
      if (!SplitPlain(column.physical_type, dictionary_page_, static_cast<size_t>(header.num_values), &dictionary_)) {
        return absl::InvalidArgumentError("dictionary page shorter than its entries");
      }
      has_dictionary = true;
      continue;
    }
    if (header.type == kPageDataV2) return absl::InvalidArgumentError("v2 data pages are not supported");
    if (header.type != kPageData) continue;  // index pages and pages of future types carry no values
    if (header.num_values > rows - row) return absl::InvalidArgumentError("more values than rows");
    if (!Decompress(chunk.codec, compressed, static_cast<size_t>(header.uncompressed_size), &page_)) {
      return absl::InvalidArgumentError("data page does not decompress to its size");
    }
    const size_t levels = static_cast<size_t>(header.num_values);
    std::string_view body(page_);
    size_t present = levels;
    if (column.optional) {
      if (header.definition_level_encoding != kEncodingRle) {
        return absl::InvalidArgumentError("definition levels not RLE");
      }
      if (body.size() < 4) return absl::InvalidArgumentError("no definition level length");
      const uint32_t length = LoadLe32(body.data());
      if (length > body.size() - 4) return absl::InvalidArgumentError("definition levels past the page");
      if (!DecodeHybrid(body.substr(4, length), 1, levels, &levels_)) {
        return absl::InvalidArgumentError("definition levels do not decode");
      }
      body.remove_prefix(4 + length);
      present = 0;
      for (uint32_t level : levels_) present += level;
    }
    values.clear();
    if (header.encoding == kEncodingPlain) {
      if (!SplitPlain(column.physical_type, body, present, &values)) {
        return absl::InvalidArgumentError("PLAIN values shorter than the page says");
      }
    } else if (header.encoding == kEncodingRleDictionary || header.encoding == kEncodingPlainDictionary) {
      if (!has_dictionary) return absl::InvalidArgumentError("dictionary indices without a dictionary page");
      if (present > 0) {
        if (body.empty()) return absl::InvalidArgumentError("no index bit width");
        if (!DecodeHybrid(body.substr(1), static_cast<uint8_t>(body[0]), present, &indices_)) {
          return absl::InvalidArgumentError("dictionary indices do not decode");
        }
        for (uint32_t i : indices_) {
          if (i >= dictionary_.size()) return absl::InvalidArgumentError("dictionary index past the dictionary");
          values.push_back(dictionary_[i]);
        }
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat("encoding ", header.encoding, " is not supported"));
    }
    size_t next = 0;
    for (size_t k = 0; k < levels; ++k, ++row) {
      Row& target = (*out)[static_cast<size_t>(row)];
      if (column.optional && levels_[k] == 0) continue;  // the Row was cleared: the column is absent
      const std::string_view value = values[next++];
      if (column.physical_type != kTypeByteArray && value.size() != fixed) {
        return absl::InvalidArgumentError("value of the wrong width");
      }
      if (absl::Status st = StoreValue(column, value, &target); !st.ok()) return st;
    }
  }
  if (row != rows) return absl::InvalidArgumentError("the pages hold fewer values than the row group's rows");
  return absl::OkStatus();
}

}  // namespace urlsweep
