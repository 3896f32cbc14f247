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
#include "core/options.h"

namespace urlsweep::parquet {

// One column chunk ready to be written: its bytes and its metadata, with offsets relative to the
// chunk's first byte (FlushRowGroup rebases them on the file offset).
struct PreparedColumnChunk {
  std::string bytes;
  ColumnChunkMetadata metadata;
};

// What a column's earlier data pages taught about compressing the next ones, kept across row groups
// by the column's state (ColumnWriterState::compression).
struct CompressionHistory {
  // zstd data pages still to store raw before zstd is tried again: set when a page did not shrink.
  int raw_pages_left = 0;
};

class PageWriter {
 public:
  explicit PageWriter(ParquetCompression compression);

  CompressionCodec codec() const { return compressor_.codec(); }

  // Starts *chunk (cleared, capacity kept) for `column`, whose earlier pages left `history` (updated
  // by the pages written); the statistics are the caller's to fill.
  void BeginChunk(const ColumnSchema& column, CompressionHistory* history, PreparedColumnChunk* chunk);
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
  // one of them is empty or nothing is compressed, joined in body_ otherwise; a zstd data page that
  // history_ expects not to shrink is stored in a raw frame instead.
  void AppendPage(PageHeader header, std::string_view head, std::string_view tail);
  // Appends the encoded `header` and counts it and `body_size`/`stored_size` into the chunk's sizes.
  void AppendHeader(const PageHeader& header, size_t body_size, size_t stored_size);

  PageCompressor compressor_;
  PreparedColumnChunk* chunk_ = nullptr;
  CompressionHistory* history_ = nullptr;
  bool optional_ = false;
  PageContent content_ = PageContent::kGeneral;
  int32_t dictionary_pages_ = 0;
  int32_t plain_pages_ = 0;
  int32_t dictionary_data_pages_ = 0;
  ByteBuffer levels_;
  ByteBuffer body_;
  std::string header_;
};

}  // namespace urlsweep::parquet
