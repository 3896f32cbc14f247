#include "output/parquet/string_column_writer.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "output/parquet/rle_bit_packed.h"
#include "output/parquet/string_dictionary.h"
#include "output/parquet/utf8_sanitizer.h"

namespace urlsweep::parquet {

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

void AppendPlain(std::string_view value, std::string* out) {
  const uint32_t length = static_cast<uint32_t>(value.size());
  char prefix[kLengthPrefixBytes];
  for (size_t i = 0; i < kLengthPrefixBytes; ++i) prefix[i] = static_cast<char>(length >> (8 * i));
  out->append(prefix, kLengthPrefixBytes);
  out->append(value);
}

// Unsigned byte-wise order, the type-defined order of STRING (parquet.thrift ColumnOrder). The first
// byte settles most comparisons of unrelated values without a call to memcmp.
int CompareBytes(std::string_view a, std::string_view b) {
  if (!a.empty() && !b.empty() && a[0] != b[0]) {
    return static_cast<unsigned char>(a[0]) < static_cast<unsigned char>(b[0]) ? -1 : 1;
  }
  return a.compare(b);  // char_traits<char>::compare is memcmp: unsigned bytes
}

uint32_t ReadLength(const std::string& plain, size_t offset) {
  uint32_t length = 0;
  for (size_t i = 0; i < kLengthPrefixBytes; ++i) {
    length |= static_cast<uint32_t>(static_cast<unsigned char>(plain[offset + i])) << (8 * i);
  }
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

  void Observe(std::string_view value) {
    if (!has_min_max) {
      min.assign(value);
      max.assign(value);
      has_min_max = true;
    } else if (CompareBytes(value, min) < 0) {
      min.assign(value);
    } else if (CompareBytes(value, max) > 0) {
      max.assign(value);
    }
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
  std::string plain;              // PLAIN values, when not dictionary_mode
  std::vector<uint32_t> indices;  // dictionary index of each present value, when dictionary_mode
  StringDictionary dictionary;
  // The previous value's index: repeated neighbours (http_version, tls_version) skip the hash lookup.
  bool has_last = false;
  uint32_t last_index = 0;
  std::string last_value;
  size_t plain_equivalent_bytes = 0;  // what the values would take PLAIN-encoded
  bool has_min_max = false;
  std::string min;
  std::string max;
  std::string scratch;  // a sanitized copy of an invalid UTF-8 value
};

std::unique_ptr<ColumnWriterState> StringColumnWriter::InitializeState() const {
  return std::make_unique<State>();
}

size_t StringColumnWriter::AppendValue(std::string_view value, State* state) const {
  if (!IsValidUtf8(value)) {
    state->scratch.clear();
    AppendSanitizedUtf8(value, &state->scratch);
    value = state->scratch;
  }
  state->plain_equivalent_bytes += kLengthPrefixBytes + value.size();
  if (!state->dictionary_mode) {
    AppendPlain(value, &state->plain);
    state->Observe(value);
    return kLengthPrefixBytes + value.size();
  }
  size_t bytes = sizeof(uint32_t);
  uint32_t index;
  if (state->has_last && value == state->last_value) {
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
    state->last_value.assign(value);
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
  std::string_view value;
  for (const Row& row : rows) {
    const bool has = get(row, &value);
    if (is_optional()) state->def_levels.push_back(has ? 1 : 0);
    if (!has) continue;
    ++present;
    bytes += AppendValue(value, state);
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
  const std::string& plain = state->plain;
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
                         std::string_view(plain).substr(page_start, offset - page_start));
  }
}

void StringColumnWriter::WriteDictionaryPages(State* state, PageWriter* pages) const {
  pages->WriteDictionaryPage(state->dictionary.plain(), static_cast<int32_t>(state->dictionary.size()));
  const int bit_width = DictionaryIndexBitWidth(state->dictionary.size());
  // Indices cost at most 4 bytes each, so pages cut by that bound stay within page_bytes.
  const size_t rows_per_page = std::max<size_t>(1, options().page_bytes / sizeof(uint32_t));
  const size_t rows = static_cast<size_t>(state->num_rows);
  size_t value = 0;
  std::string& encoded = state->scratch;
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
