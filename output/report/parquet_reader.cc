// ParquetReader: the footer checked against what a urlsweep result must be, then each row group's
// column chunks decoded page by page into Rows. The Thrift, footer and page decoding it builds on are in
// thrift_decoder, parquet_footer and parquet_page.
#include "output/report/parquet_reader.h"

#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/text.h"
#include "output/report/parquet_column_type.h"
#include "output/report/parquet_footer.h"
#include "output/report/parquet_format.h"
#include "output/report/parquet_page.h"
#include "output/report/row_fields.h"
#include "output/report/thrift_decoder.h"

namespace urlsweep {
namespace {


}  // namespace

absl::StatusOr<ParquetReader> ParquetReader::Open(std::string_view file) {
  auto bad = [](std::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("not a readable Parquet file: ", ToAbsl(why)));
  };
  if (file.size() < 2 * kParquetMagicBytes + kParquetFooterLengthBytes) return bad("too short");
  if (file.substr(0, kParquetMagicBytes) != "PAR1" || file.substr(file.size() - kParquetMagicBytes) != "PAR1") {
    return bad("no PAR1 magic at both ends");
  }
  const size_t framing = kParquetMagicBytes + kParquetFooterLengthBytes;  // after the footer
  const uint32_t footer_length = LoadLe32(file.data() + file.size() - framing);
  if (footer_length > file.size() - framing - kParquetMagicBytes) return bad("footer length past the file");
  const size_t footer_start = file.size() - framing - footer_length;

  absl::StatusOr<ParquetFooter> footer = DecodeParquetFooter(file.substr(footer_start, footer_length));
  if (!footer.ok()) return bad(FromAbsl(footer.status().message()));
  const std::vector<ParquetSchemaElement>& schema = footer->schema;
  const std::vector<ParquetRowGroupMeta>& groups = footer->row_groups;
  const int64_t num_rows = footer->num_rows;

  ParquetReader reader;
  reader.file_ = file;
  if (num_rows < 0) return bad("footer without num_rows");
  if (schema.empty()) return bad("no schema");
  if (schema[0].num_children != static_cast<int32_t>(schema.size() - 1)) {
    return bad("nested schema (urlsweep writes a flat one)");
  }

  bool seen[kColumnNames.size()] = {};
  for (size_t leaf = 0; leaf + 1 < schema.size(); ++leaf) {
    const ParquetSchemaElement& e = schema[leaf + 1];
    if (e.num_children != 0) return bad(absl::StrCat("column '", ToAbsl(e.name), "' is nested"));
    const int column = ColumnIndex(e.name);
    if (column < 0) continue;
    if (seen[column]) return bad(absl::StrCat("column '", ToAbsl(e.name), "' appears twice"));
    seen[column] = true;
    if (e.repetition != kParquetRequired && e.repetition != kParquetOptional) {
      return bad(absl::StrCat("column '", ToAbsl(e.name), "' is repeated"));
    }
    ParquetLeafType annotation = e.annotation;
    annotation.physical_type = e.type;
    absl::StatusOr<ParquetIntDecoding> decoding = ResolveParquetColumn(column, annotation);
    if (!decoding.ok()) return bad(absl::StrCat("column '", ToAbsl(e.name), "' is ", decoding.status().message()));
    reader.columns_.push_back({column, leaf, e.type, e.repetition == kParquetOptional, *decoding});
  }
  if (!seen[0] || !seen[1]) return bad("no 'line' or 'url' column: not a urlsweep result");

  const int64_t data_end = static_cast<int64_t>(footer_start);
  int64_t total_rows = 0;
  for (size_t g = 0; g < groups.size(); ++g) {
    const ParquetRowGroupMeta& raw = groups[g];
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
      const ParquetColumnMeta& m = raw.chunks[c];
      const ParquetSchemaElement& e = schema[c + 1];
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
      if (chunk.start < static_cast<int64_t>(kParquetMagicBytes) || chunk.size < 0 || chunk.start > data_end ||
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
    case kParquetInt32:
    case kParquetInt64: {
      uint64_t bits = 0;
      std::memcpy(&bits, value.data(), value.size());  // little-endian, as Parquet is
      absl::StatusOr<int64_t> v = DecodeParquetInt(column.decoding, column.physical_type, bits);
      if (!v.ok()) return v.status();
      return SetColumnInt(column.row_column, *v, row);
    }
    case kParquetDouble: {
      double v;
      std::memcpy(&v, value.data(), 8);
      SetColumnMillis(column.row_column, v, row);
      return absl::OkStatus();
    }
    default: return SetColumnString(column.row_column, value, row);
  }
}

absl::Status ParquetReader::ReadChunk(const Column& column, const Chunk& chunk, int64_t rows, std::vector<Row>* out) {
  if (chunk.codec != kParquetUncompressed && chunk.codec != kParquetSnappy && chunk.codec != kParquetZstd) {
    return absl::InvalidArgumentError(
        absl::StrCat("codec ", chunk.codec, " is not supported (only none, snappy, zstd)"));
  }
  if (chunk.num_values != rows) return absl::InvalidArgumentError("num_values differs from the row group's rows");
  const size_t fixed = column.physical_type == kParquetInt32 ? 4 : 8;
  bool has_dictionary = false;
  dictionary_.clear();
  std::vector<std::string_view> values;
  int64_t row = 0;
  int64_t pos = chunk.start;
  const int64_t end = chunk.start + chunk.size;
  while (pos < end) {
    ThriftDecoder d(file_.substr(static_cast<size_t>(pos), static_cast<size_t>(end - pos)));
    ParquetPageHeader header;
    if (!ReadParquetPageHeader(d, &header)) {
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
    if (header.type == kParquetDictionaryPage) {
      if (has_dictionary || row > 0) return absl::InvalidArgumentError("a dictionary page after the first page");
      if (header.encoding != kParquetPlain && header.encoding != kParquetPlainDictionary) {
        return absl::InvalidArgumentError("dictionary page not PLAIN");
      }
      const auto size = static_cast<size_t>(header.uncompressed_size);
      if (!DecompressParquetPage(chunk.codec, compressed, size, &dictionary_page_)) {
        return absl::InvalidArgumentError("dictionary page does not decompress to its size");
      }
      const auto entries = static_cast<size_t>(header.num_values);
      if (!SplitPlainValues(column.physical_type, dictionary_page_, entries, &dictionary_)) {
        return absl::InvalidArgumentError("dictionary page shorter than its entries");
      }
      has_dictionary = true;
      continue;
    }
    if (header.type == kParquetDataPageV2) return absl::InvalidArgumentError("v2 data pages are not supported");
    if (header.type != kParquetDataPage) continue;  // index pages and pages of future types carry no values
    if (header.num_values > rows - row) return absl::InvalidArgumentError("more values than rows");
    if (!DecompressParquetPage(chunk.codec, compressed, static_cast<size_t>(header.uncompressed_size), &page_)) {
      return absl::InvalidArgumentError("data page does not decompress to its size");
    }
    const size_t levels = static_cast<size_t>(header.num_values);
    std::string_view body(page_);
    size_t present = levels;
    if (column.optional) {
      if (header.definition_level_encoding != kParquetRle) {
        return absl::InvalidArgumentError("definition levels not RLE");
      }
      if (body.size() < 4) return absl::InvalidArgumentError("no definition level length");
      const uint32_t length = LoadLe32(body.data());
      if (length > body.size() - 4) return absl::InvalidArgumentError("definition levels past the page");
      if (!DecodeRleBitPackedHybrid(body.substr(4, length), 1, levels, &levels_)) {
        return absl::InvalidArgumentError("definition levels do not decode");
      }
      body.remove_prefix(4 + length);
      present = 0;
      for (uint32_t level : levels_) present += level;
    }
    values.clear();
    if (header.encoding == kParquetPlain) {
      if (!SplitPlainValues(column.physical_type, body, present, &values)) {
        return absl::InvalidArgumentError("PLAIN values shorter than the page says");
      }
    } else if (header.encoding == kParquetRleDictionary || header.encoding == kParquetPlainDictionary) {
      if (!has_dictionary) return absl::InvalidArgumentError("dictionary indices without a dictionary page");
      if (present > 0) {
        if (body.empty()) return absl::InvalidArgumentError("no index bit width");
        if (!DecodeRleBitPackedHybrid(body.substr(1), static_cast<uint8_t>(body[0]), present, &indices_)) {
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
      if (column.physical_type != kParquetByteArray && value.size() != fixed) {
        return absl::InvalidArgumentError("value of the wrong width");
      }
      if (absl::Status st = StoreValue(column, value, &target); !st.ok()) return st;
    }
  }
  if (row != rows) return absl::InvalidArgumentError("the pages hold fewer values than the row group's rows");
  return absl::OkStatus();
}

}  // namespace urlsweep
