// Field ids are parquet.thrift's; fields the reader does not need are skipped, whatever their type.
#include "output/report/parquet_footer.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "output/report/thrift_decoder.h"

namespace urlsweep {
namespace {

// parquet.thrift LogicalType (a union): which member is set, and of INTEGER and TIMESTAMP the
// signedness and the unit (parquet_column_type.h). Other members' contents are skipped.
bool ReadLogicalType(ThriftDecoder& d, ParquetLeafType* t) {
  constexpr int16_t kTimestamp = 8;
  constexpr int16_t kInteger = 10;
  return d.Struct([&](int16_t id, uint8_t type) {
    t->logical = id;
    if ((id != kTimestamp && id != kInteger) || type != kThriftStruct) return d.Skip(type);
    return d.Struct([&](int16_t member, uint8_t member_type) {
      if (id == kInteger && member == 2 && (member_type == kThriftBoolTrue || member_type == kThriftBoolFalse)) {
        t->int_signed = member_type == kThriftBoolTrue;  // a struct field's bool is in its type nibble
        return true;
      }
      if (id == kTimestamp && member == 2 && member_type == kThriftStruct) {
        // TimeUnit, a union of empty structs: the member's id is the unit.
        return d.Struct([&](int16_t unit, uint8_t unit_type) {
          t->time_unit = unit;
          return d.Skip(unit_type);
        });
      }
      return d.Skip(member_type);
    });
  });
}

bool ReadSchemaElement(ThriftDecoder& d, ParquetSchemaElement* e) {
  return d.Struct([&](int16_t id, uint8_t type) {
    switch (id) {
      case 1: return d.Int32(type, &e->type);
      case 3: return d.Int32(type, &e->repetition);
      case 4: return d.Binary(type, &e->name);
      case 5: return d.Int32(type, &e->num_children);
      case 6: return d.Int32(type, &e->annotation.converted_type);
      case 10: return type == kThriftStruct ? ReadLogicalType(d, &e->annotation) : d.Skip(type);
      default: return d.Skip(type);
    }
  });
}

bool ReadColumnMeta(ThriftDecoder& d, ParquetColumnMeta* m) {
  return d.Struct([&](int16_t id, uint8_t type) {
    switch (id) {
      case 1: return d.Int32(type, &m->type);
      case 3: {
        uint8_t element = 0;
        uint64_t n = 0;
        bool ok = d.List(type, &element, &n);
        for (uint64_t i = 0; ok && i < n; ++i) {
          std::string_view part;
          ok = d.Binary(element, &part);
          if (ok) m->path.push_back(part);
        }
        return ok;
      }
      case 4: return d.Int32(type, &m->codec);
      case 5: return d.Int(type, &m->num_values);
      case 7: return d.Int(type, &m->total_compressed_size);
      case 9: return d.Int(type, &m->data_page_offset);
      case 11: return d.Int(type, &m->dictionary_page_offset);
      default: return d.Skip(type);
    }
  });
}

// parquet.thrift ColumnChunk: an external file_path is refused by the caller.
bool ReadColumnChunk(ThriftDecoder& d, ParquetColumnMeta* m, bool* external, bool* has_meta) {
  return d.Struct([&](int16_t id, uint8_t type) {
    if (id == 1) {
      *external = true;
      return d.Skip(type);
    }
    if (id == 3 && type == kThriftStruct) {
      *has_meta = true;
      return ReadColumnMeta(d, m);
    }
    return d.Skip(type);
  });
}

// parquet.thrift RowGroup: its columns (id 1) and num_rows (id 3).
bool ReadRowGroup(ThriftDecoder& d, ParquetRowGroupMeta* g) {
  return d.Struct([&](int16_t id, uint8_t type) {
    if (id == 1) {
      uint64_t chunks = 0;
      bool ok = d.StructList(type, "columns", &chunks);
      for (uint64_t c = 0; ok && c < chunks; ++c) {
        bool has_meta = false;
        ok = ReadColumnChunk(d, &g->chunks.emplace_back(), &g->external, &has_meta);
        if (!has_meta) g->missing_meta = true;
      }
      return ok;
    }
    if (id == 3) return d.Int(type, &g->rows);
    return d.Skip(type);
  });
}

}  // namespace

absl::StatusOr<ParquetFooter> DecodeParquetFooter(std::string_view footer) {
  ParquetFooter out;
  ThriftDecoder d(footer);
  const bool ok = d.Struct([&](int16_t id, uint8_t type) {
    switch (id) {
      case 2: {
        uint64_t n = 0;
        bool read = d.StructList(type, "schema", &n);
        for (uint64_t i = 0; read && i < n; ++i) read = ReadSchemaElement(d, &out.schema.emplace_back());
        return read;
      }
      case 3: return d.Int(type, &out.num_rows);
      case 4: {
        uint64_t n = 0;
        bool read = d.StructList(type, "row_groups", &n);
        for (uint64_t i = 0; read && i < n; ++i) read = ReadRowGroup(d, &out.row_groups.emplace_back());
        return read;
      }
      default: return d.Skip(type);
    }
  });
  if (!ok || !d.error().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("footer: ", d.error().empty() ? "malformed" : d.error()));
  }
  if (d.position() != footer.size()) {
    return absl::InvalidArgumentError("footer does not decode to exactly its length");
  }
  return out;
}

}  // namespace urlsweep
