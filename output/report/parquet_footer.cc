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

bool ReadSchemaElement(ThriftDecoder& d, ParquetSchemaElement* e) {
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

bool ReadColumnMeta(ThriftDecoder& d, ParquetColumnMeta* m) {
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
bool ReadColumnChunk(ThriftDecoder& d, ParquetColumnMeta* m, bool* external, bool* has_meta) {
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

// parquet.thrift RowGroup: its columns (id 1) and num_rows (id 3).
bool ReadRowGroup(ThriftDecoder& d, ParquetRowGroupMeta* g) {
  bool ok = true;
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  while (ok && d.Field(&id, &type)) {
    if (id == 1) {
      uint8_t element = 0;
      uint64_t chunks = 0;
      ok = d.List(type, &element, &chunks) && (element == kThriftStruct || d.Fail("columns is not a list of structs"));
      for (uint64_t c = 0; ok && c < chunks; ++c) {
        bool has_meta = false;
        ok = ReadColumnChunk(d, &g->chunks.emplace_back(), &g->external, &has_meta);
        if (!has_meta) g->missing_meta = true;
      }
    } else if (id == 3) {
      ok = d.Int(type, &g->rows);
    } else {
      ok = d.Skip(type);
    }
  }
  ok = ok && d.error().empty();
  d.EndStruct();
  return ok;
}

}  // namespace

absl::StatusOr<ParquetFooter> DecodeParquetFooter(std::string_view footer) {
  ParquetFooter out;
  ThriftDecoder d(footer);
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
          out.schema.emplace_back();
          ok = ReadSchemaElement(d, &out.schema.back());
        }
        break;
      }
      case 3: ok = d.Int(type, &out.num_rows); break;
      case 4: {
        uint8_t element = 0;
        uint64_t n = 0;
        ok = d.List(type, &element, &n) && (element == kThriftStruct || d.Fail("row_groups is not a list of structs"));
        for (uint64_t i = 0; ok && i < n; ++i) ok = ReadRowGroup(d, &out.row_groups.emplace_back());
        break;
      }
      default: ok = d.Skip(type); break;
    }
  }
  if (!ok || !d.error().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("footer: ", d.error().empty() ? "malformed" : d.error()));
  }
  d.EndStruct();
  if (d.position() != footer.size()) {
    return absl::InvalidArgumentError("footer does not decode to exactly its length");
  }
  return out;
}

}  // namespace urlsweep
