// PageWriter: lays out the pages of one column chunk (Parquet's "File format": page header, then the
// page body, compressed) and keeps the sizes and encodings its ColumnMetaData needs. Column writers
// hand it encoded levels and values; it owns the compression scratch, reused across pages and row groups.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "output/parquet/byte_buffer.h"
#include "output/parquet/page_compressor.h"
#include "output/parquet/parquet_metadata.h"
#include "scanner/config.h"

namespace urlsweep::parquet {

// One column chunk ready to be written: its bytes and its metadata, with offsets relative to the
// chunk's first byte (FlushRowGroup rebases them on the file offset).
struct PreparedColumnChunk {
  std::string bytes;
  ColumnChunkMetadata metadata;
};

class PageWriter {
 public:
  explicit PageWriter(ParquetCompression compression);

  CompressionCodec codec() const { return compressor_.codec(); }

  // Starts *chunk (cleared, capacity kept) for `column`; the statistics are the caller's to fill.
  void BeginChunk(const ColumnSchema& column, PreparedColumnChunk* chunk);
  // The dictionary page: PLAIN-encoded entries. Must come before any data page.
  void WriteDictionaryPage(std::string_view plain_entries, int32_t entries);
  // A v1 data page of `num_levels` rows: definition levels (empty for a REQUIRED column), then
  // `values`, encoded as `encoding` says.
  void WriteDataPage(absl::Span<const uint8_t> def_levels, int32_t num_levels, Encoding encoding,
                     std::string_view values);
  // Fills the chunk's encodings and encoding_stats from the pages written.
  void EndChunk();

 private:
  // A page whose body is `head` then `tail` (levels then values): compressed from where they lie when
  // one of them is empty or nothing is compressed, joined in body_ otherwise.
  void AppendPage(PageHeader header, std::string_view head, std::string_view tail);

  PageCompressor compressor_;
  PreparedColumnChunk* chunk_ = nullptr;
  bool optional_ = false;
  PageContent content_ = PageContent::kGeneral;
  int32_t dictionary_pages_ = 0;
  int32_t plain_pages_ = 0;
  int32_t dictionary_data_pages_ = 0;
  std::string levels_;
  ByteBuffer body_;
  std::string header_;
};

}  // namespace urlsweep::parquet
