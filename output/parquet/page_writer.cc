#include "output/parquet/page_writer.h"

#include "output/parquet/rle_bit_packed.h"

namespace urlsweep::parquet {

namespace {
// v1 data pages prefix RLE-encoded levels with their byte length as a 4-byte little-endian integer.
constexpr size_t kLevelLengthBytes = 4;
// Definition levels of a flat schema are 0 (null) or 1 (present).
constexpr int kDefinitionLevelBitWidth = 1;
// A zstd page that saves less than 1/32 (3%) of its body marks its column as incompressible: the
// measured timings (DOUBLE), whose low mantissa bits are noise, or dictionary indices of values that
// are nearly equally frequent. Searching such pages for matches costs time and saves nothing.
constexpr size_t kMinSavingDivisor = 32;
// Pages smaller than this teach nothing (a frame's few bytes of overhead dominate them): a row group
// cut short by Flush() must not switch off compression for the large pages after it.
constexpr size_t kMinTeachingPageBytes = 4096;
// After a page that did not shrink, this many data pages of the column are stored raw, then zstd
// tries again, so a column whose values turn repetitive is compressed again within a few pages.
constexpr int kRawPagesBetweenTries = 8;
}  // namespace

PageWriter::PageWriter(ParquetCompression compression) : compressor_(compression) {}

void PageWriter::BeginChunk(const ColumnSchema& column, CompressionHistory* history,
                            PreparedColumnChunk* chunk) {
  chunk_ = chunk;
  history_ = history;
  chunk->bytes.clear();
  ColumnChunkMetadata& m = chunk->metadata;
  m.type = column.type;
  m.path = column.name;
  m.codec = codec();
  m.encodings.clear();
  m.encoding_stats.clear();
  m.num_values = 0;
  m.total_uncompressed_size = 0;
  m.total_compressed_size = 0;
  m.data_page_offset = 0;
  m.dictionary_page_offset.reset();
  m.statistics = ColumnStatistics{};
  optional_ = column.repetition == Repetition::kOptional;
  content_ = column.type == PhysicalType::kDouble ? PageContent::kNoisyNumbers : PageContent::kGeneral;
  dictionary_pages_ = plain_pages_ = dictionary_data_pages_ = 0;
}

void PageWriter::AppendHeader(const PageHeader& header, size_t body_size, size_t stored_size) {
  header_.clear();
  EncodePageHeader(header, &header_);
  chunk_->bytes.append(header_);
  ColumnChunkMetadata& m = chunk_->metadata;
  m.total_uncompressed_size += static_cast<int64_t>(header_.size() + body_size);
  m.total_compressed_size += static_cast<int64_t>(header_.size() + stored_size);
}

void PageWriter::AppendPage(PageHeader header, std::string_view head, std::string_view tail) {
  const size_t body_size = head.size() + tail.size();
  header.uncompressed_size = static_cast<int32_t>(body_size);
  std::string& bytes = chunk_->bytes;
  if (codec() == CompressionCodec::kUncompressed) {
    header.compressed_size = header.uncompressed_size;
    AppendHeader(header, body_size, body_size);
    bytes.append(head);
    bytes.append(tail);
    return;
  }
  const bool data_page = header.type == PageType::kDataPage;
  if (codec() == CompressionCodec::kZstd && data_page && history_->raw_pages_left > 0) {
    --history_->raw_pages_left;
    const size_t stored_size = RawZstdFrameSize(body_size);
    header.compressed_size = static_cast<int32_t>(stored_size);
    AppendHeader(header, body_size, stored_size);
    AppendRawZstdFrame(head, tail, &bytes);
    return;
  }
  std::string_view body = head.empty() ? tail : tail.empty() ? head : std::string_view();
  if (!head.empty() && !tail.empty()) {
    body_.clear();
    body_.Append(head);
    body_.Append(tail);
    body = body_.view();
  }
  const std::string_view stored = compressor_.Compress(body, content_);
  if (codec() == CompressionCodec::kZstd && data_page && body_size >= kMinTeachingPageBytes &&
      stored.size() > body_size - body_size / kMinSavingDivisor) {
    history_->raw_pages_left = kRawPagesBetweenTries;
  }
  header.compressed_size = static_cast<int32_t>(stored.size());
  AppendHeader(header, body_size, stored.size());
  bytes.append(stored);
}

void PageWriter::WriteDictionaryPage(std::string_view plain_entries, int32_t entries) {
  chunk_->metadata.dictionary_page_offset = static_cast<int64_t>(chunk_->bytes.size());
  PageHeader header;
  header.type = PageType::kDictionaryPage;
  header.num_values = entries;
  header.encoding = Encoding::kPlain;
  AppendPage(header, {}, plain_entries);
  ++dictionary_pages_;
}

void PageWriter::WriteDataPage(absl::Span<const uint8_t> def_levels, int32_t num_levels,
                               Encoding encoding, std::string_view values) {
  if (plain_pages_ + dictionary_data_pages_ == 0) {
    chunk_->metadata.data_page_offset = static_cast<int64_t>(chunk_->bytes.size());
  }
  levels_.clear();
  if (optional_) {
    levels_.Extend(kLevelLengthBytes);
    AppendRleBitPacked(def_levels, kDefinitionLevelBitWidth, &levels_);
    const uint32_t length = static_cast<uint32_t>(levels_.size() - kLevelLengthBytes);
    for (size_t i = 0; i < kLevelLengthBytes; ++i) levels_.data()[i] = static_cast<char>(length >> (8 * i));
  }
  PageHeader header;
  header.type = PageType::kDataPage;
  header.num_values = num_levels;
  header.encoding = encoding;
  AppendPage(header, levels_.view(), values);
  chunk_->metadata.num_values += num_levels;
  (encoding == Encoding::kRleDictionary ? dictionary_data_pages_ : plain_pages_)++;
}

void PageWriter::EndChunk() {
  ColumnChunkMetadata& m = chunk_->metadata;
  // Every encoding a reader must support to decode the chunk, levels included.
  if (dictionary_pages_ > 0 || plain_pages_ > 0) m.encodings.push_back(Encoding::kPlain);
  if (optional_) m.encodings.push_back(Encoding::kRle);
  if (dictionary_data_pages_ > 0) m.encodings.push_back(Encoding::kRleDictionary);
  if (dictionary_pages_ > 0) {
    m.encoding_stats.push_back({PageType::kDictionaryPage, Encoding::kPlain, dictionary_pages_});
  }
  if (plain_pages_ > 0) m.encoding_stats.push_back({PageType::kDataPage, Encoding::kPlain, plain_pages_});
  if (dictionary_data_pages_ > 0) {
    m.encoding_stats.push_back({PageType::kDataPage, Encoding::kRleDictionary, dictionary_data_pages_});
  }
  chunk_ = nullptr;
}

}  // namespace urlsweep::parquet
