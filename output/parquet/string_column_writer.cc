#include "output/parquet/string_column_writer.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "output/parquet/byte_buffer.h"
#include "output/parquet/rle_bit_packed.h"
#include "output/parquet/string_dictionary.h"
#include "output/parquet/utf8_sanitizer.h"

namespace urlsweep::parquet {

// Length prefixes are stored and read as they lie in memory.
static_assert(std::endian::native == std::endian::little, "PLAIN encoding assumes a little-endian host");

namespace {
// A PLAIN byte array starts with its length as a 4-byte little-endian integer.
constexpr size_t kLengthPrefixBytes = 4;
// Statistics are left out when the chunk's min or max value is longer than this: such values would be
// copied into the footer once per row group for little pruning value (Arrow's writer drops statistics
// past the same 4 KiB by default).
constexpr size_t kMaxStatisticsValueBytes = 4096;
// After this many values of a chunk, a dictionary holding more than half of them as distinct entries
// is dropped: the column is mostly unique (hosts and titles of a domain-list scan), so hashing every
// value would cost time and the dictionary would save nothing.
constexpr size_t kDictionaryProbeValues = 1024;

// One capacity check and two copies: this runs for every PLAIN value of every row, hence inline.
inline void AppendPlain(std::string_view value, ByteBuffer* out) {
  const uint32_t length = static_cast<uint32_t>(value.size());
  char* p = out->Extend(kLengthPrefixBytes + value.size());
  std::memcpy(p, &length, kLengthPrefixBytes);
  if (length > 0) std::memcpy(p + kLengthPrefixBytes, value.data(), value.size());
}

// Bytes of a value's prefix key: enough that values sharing a scheme and "www." still differ in it.
constexpr size_t kPrefixKeyBytes = 16;

// The first kPrefixKeyBytes bytes as a big-endian number, zero-padded: when two keys differ they order
// their values as unsigned byte-wise comparison does (the type-defined order of STRING,
// parquet.thrift ColumnOrder), since a shorter value's padding is the smallest byte. Equal keys leave
// the order to a full comparison.
unsigned __int128 PrefixKey(std::string_view value) {
  unsigned char bytes[kPrefixKeyBytes] = {};
  if (value.size() >= kPrefixKeyBytes) {
    std::memcpy(bytes, value.data(), kPrefixKeyBytes);
  } else {
    for (size_t i = 0; i < value.size(); ++i) bytes[i] = static_cast<unsigned char>(value[i]);
  }
  uint64_t hi;
  uint64_t lo;
  std::memcpy(&hi, bytes, sizeof(hi));
  std::memcpy(&lo, bytes + sizeof(hi), sizeof(lo));
  return (static_cast<unsigned __int128>(__builtin_bswap64(hi)) << 64) | __builtin_bswap64(lo);
}

uint32_t ReadLength(const ByteBuffer& plain, size_t offset) {
  uint32_t length;
  std::memcpy(&length, plain.data() + offset, kLengthPrefixBytes);
  return length;
}

}  // namespace

class StringColumnWriter::State final : public ColumnWriterState {
 public:
  void Reset() override {
    ColumnWriterState::Reset();
    dictionary_mode = false;
    plain.clear();
    indices.clear();
    dictionary.Clear();
    has_last = false;
    plain_equivalent_bytes = 0;
    has_min_max = false;
    min.clear();
    max.clear();
  }

  // Keeps the chunk's min and max; most values are settled by their prefix key alone.
  void Observe(std::string_view value) {
    const unsigned __int128 key = PrefixKey(value);
    if (!has_min_max) {
      min.assign(value);
      max.assign(value);
      min_key = max_key = key;
      has_min_max = true;
    } else if (key < min_key || (key == min_key && value < std::string_view(min))) {
      min.assign(value);
      min_key = key;
    } else if (key > max_key || (key == max_key && value > std::string_view(max))) {
      max.assign(value);
      max_key = key;
    }
  }

  // The value made valid UTF-8 (rows carry bytes from hostile servers; readers reject invalid STRINGs).
  std::string_view Sanitized(std::string_view value) {
    scratch.clear();
    AppendSanitizedUtf8(value, &scratch);
    return scratch;
  }

  // Turns the dictionary-encoded values into PLAIN ones; the chunk stays PLAIN until Reset().
  void FallBackToPlain() {
    plain.clear();
    for (uint32_t index : indices) AppendPlain(dictionary.entry(index), &plain);
    indices.clear();
    dictionary.Clear();
    has_last = false;
    dictionary_mode = false;
  }

  bool dictionary_mode = false;   // set by Append on the chunk's first row when the column uses one
  ByteBuffer plain;               // PLAIN values, when not dictionary_mode
  std::vector<uint32_t> indices;  // dictionary index of each present value, when dictionary_mode
  StringDictionary dictionary;
  // The previous value's index: repeated neighbours (http_version, tls_version) skip the hash lookup.
  bool has_last = false;
  uint32_t last_index = 0;
  size_t plain_equivalent_bytes = 0;  // what the values would take PLAIN-encoded
  bool has_min_max = false;
  std::string min;
  std::string max;
  unsigned __int128 min_key = 0;  // PrefixKey(min)
  unsigned __int128 max_key = 0;  // PrefixKey(max)
  std::string scratch;  // a sanitized copy of an invalid UTF-8 value
  std::string encoded;  // one dictionary data page's indices, RLE/bit-packed
};

std::unique_ptr<ColumnWriterState> StringColumnWriter::InitializeState() const {
  return std::make_unique<State>();
}

size_t StringColumnWriter::AppendToDictionary(std::string_view value, State* state) const {
  size_t bytes = sizeof(uint32_t);
  uint32_t index;
  if (state->has_last && StringDictionary::Equal(value, state->dictionary.entry(state->last_index))) {
    index = state->last_index;
  } else {
    bool added;
    index = state->dictionary.Insert(value, &added);
    if (added) {
      state->Observe(value);
      bytes += kLengthPrefixBytes + value.size();
    }
    state->has_last = true;
    state->last_index = index;
  }
  state->indices.push_back(index);
  if (state->dictionary.plain().size() > options().max_dictionary_bytes ||
      (state->indices.size() == kDictionaryProbeValues && state->dictionary.size() > kDictionaryProbeValues / 2)) {
    state->FallBackToPlain();
  }
  return bytes;
}

template <typename Get>
size_t StringColumnWriter::AppendRows(absl::Span<const Row> rows, State* state, Get get) const {
  size_t bytes = 0;
  size_t present = 0;
  uint8_t* levels = nullptr;
  if (is_optional()) {
    const size_t old = state->def_levels.size();
    state->def_levels.resize(old + rows.size());
    levels = state->def_levels.data() + old;
  }
  std::string_view value;
  for (size_t i = 0; i < rows.size(); ++i) {
    const bool has = get(rows[i], &value);
    if (levels != nullptr) levels[i] = has ? 1 : 0;
    if (!has) continue;
    ++present;
    if (!IsValidUtf8(value)) value = state->Sanitized(value);
    state->plain_equivalent_bytes += kLengthPrefixBytes + value.size();
    if (state->dictionary_mode) {
      bytes += AppendToDictionary(value, state);
    } else {
      // PLAIN values (URLs, and columns whose dictionary did not pay off) stay in this loop.
      AppendPlain(value, &state->plain);
      state->Observe(value);
      bytes += kLengthPrefixBytes + value.size();
    }
  }
  state->num_rows += static_cast<int64_t>(rows.size());
  state->null_count += static_cast<int64_t>(rows.size() - present);
  return bytes + (is_optional() ? rows.size() : 0);
}

size_t StringColumnWriter::Append(absl::Span<const Row> rows, ColumnWriterState* base) const {
  auto* state = static_cast<State*>(base);
  if (state->num_rows == 0) state->dictionary_mode = use_dictionary_;
  if (field_.optional != nullptr) {
    return AppendRows(rows, state, [member = field_.optional](const Row& row, std::string_view* value) {
      const OptString& field = row.*member;
      *value = field.view();
      return field.has_value();
    });
  }
  if (field_.required != nullptr) {
    return AppendRows(rows, state, [member = field_.required](const Row& row, std::string_view* value) {
      *value = row.*member;
      return true;
    });
  }
  return AppendRows(rows, state, [member = field_.error](const Row& row, std::string_view* value) {
    const ErrorCode code = row.*member;
    if (code == ErrorCode::kNone) return false;
    *value = ErrorName(code);
    return true;
  });
}

void StringColumnWriter::WritePlainPages(State* state, PageWriter* pages) const {
  const size_t rows = static_cast<size_t>(state->num_rows);
  const ByteBuffer& plain = state->plain;
  size_t offset = 0;  // start of the next page's values in plain
  size_t row = 0;
  while (row < rows) {
    const size_t page_start = offset;
    const size_t first_row = row;
    // Whole rows until the page holds page_bytes of values; at least one row per page.
    while (row < rows && (row == first_row || offset - page_start < options().page_bytes)) {
      if (!is_optional() || state->def_levels[row]) offset += kLengthPrefixBytes + ReadLength(plain, offset);
      ++row;
    }
    absl::Span<const uint8_t> levels;
    if (is_optional()) levels = absl::MakeConstSpan(state->def_levels).subspan(first_row, row - first_row);
    pages->WriteDataPage(levels, static_cast<int32_t>(row - first_row), Encoding::kPlain,
                         plain.view().substr(page_start, offset - page_start));
  }
}

void StringColumnWriter::WriteDictionaryPages(State* state, PageWriter* pages) const {
  pages->WriteDictionaryPage(state->dictionary.plain(), static_cast<int32_t>(state->dictionary.size()));
  const int bit_width = DictionaryIndexBitWidth(state->dictionary.size());
  // Indices cost at most 4 bytes each, so pages cut by that bound stay within page_bytes.
  const size_t rows_per_page = std::max<size_t>(1, options().page_bytes / sizeof(uint32_t));
  const size_t rows = static_cast<size_t>(state->num_rows);
  size_t value = 0;
  std::string& encoded = state->encoded;
  for (size_t row = 0; row < rows; row += rows_per_page) {
    const size_t end = std::min(rows, row + rows_per_page);
    const size_t present = CountPresent(*state, row, end, is_optional());
    encoded.clear();
    // Dictionary-encoded values: one byte holding the bit width, then the RLE/bit-packed indices.
    encoded.push_back(static_cast<char>(bit_width));
    AppendRleBitPacked(absl::MakeConstSpan(state->indices).subspan(value, present), bit_width, &encoded);
    absl::Span<const uint8_t> levels;
    if (is_optional()) levels = absl::MakeConstSpan(state->def_levels).subspan(row, end - row);
    pages->WriteDataPage(levels, static_cast<int32_t>(end - row), Encoding::kRleDictionary, encoded);
    value += present;
  }
}

void StringColumnWriter::Prepare(ColumnWriterState* base, PageWriter* pages,
                                 PreparedColumnChunk* chunk) const {
  auto* state = static_cast<State*>(base);
  if (state->dictionary_mode) {
    // A dictionary that saves nothing (mostly distinct values) only costs readers a lookup per value;
    // an all-null chunk has no dictionary to write.
    const size_t index_bytes =
        state->indices.size() * static_cast<size_t>(DictionaryIndexBitWidth(state->dictionary.size())) / 8;
    if (state->dictionary.size() == 0 ||
        state->dictionary.plain().size() + index_bytes >= state->plain_equivalent_bytes) {
      state->FallBackToPlain();
    }
  }
  pages->BeginChunk(schema(), chunk);
  if (state->dictionary_mode) {
    WriteDictionaryPages(state, pages);
  } else {
    WritePlainPages(state, pages);
  }
  ColumnStatistics& stats = chunk->metadata.statistics;
  stats.null_count = state->null_count;
  if (state->has_min_max && state->min.size() <= kMaxStatisticsValueBytes &&
      state->max.size() <= kMaxStatisticsValueBytes) {
    stats.has_min_max = true;
    stats.min_value = state->min;
    stats.max_value = state->max;
  }
  pages->EndChunk();
}

}  // namespace urlsweep::parquet
