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

// Values up to this long are copied by 8-byte words in the per-row loop; longer ones by memcpy.
constexpr size_t kWordCopyBytes = 64;

uint64_t Load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
void Store64(char* p, uint64_t v) { std::memcpy(p, &v, sizeof(v)); }
uint32_t Load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
void Store32(char* p, uint32_t v) { std::memcpy(p, &v, sizeof(v)); }

// Copies n bytes and returns the OR of them all, so that the copy also tells whether the value is ASCII
// (no high bit set): one pass over the bytes instead of a check and a memcpy call. Words overlap at the
// end rather than reading or writing past either range.
inline uint64_t CopyAndOr(const char* from, size_t n, char* to) {
  if (n >= 8) {
    uint64_t any = 0;
    for (size_t i = 0; i + 8 < n; i += 8) {
      const uint64_t w = Load64(from + i);
      Store64(to + i, w);
      any |= w;
    }
    const uint64_t w = Load64(from + n - 8);
    Store64(to + n - 8, w);
    return any | w;
  }
  if (n >= 4) {
    const uint32_t a = Load32(from);
    const uint32_t b = Load32(from + n - 4);
    Store32(to, a);
    Store32(to + n - 4, b);
    return a | b;
  }
  uint64_t any = 0;
  for (size_t i = 0; i < n; ++i) {
    to[i] = from[i];
    any |= static_cast<unsigned char>(from[i]);
  }
  return any;
}

// Appends `value` PLAIN-encoded (length prefix, then the bytes); returns whether it is ASCII.
inline bool AppendPlainIsAscii(std::string_view value, ByteBuffer* out) {
  const uint32_t length = static_cast<uint32_t>(value.size());
  char* p = out->Extend(kLengthPrefixBytes + value.size());
  Store32(p, length);
  if (value.size() <= kWordCopyBytes) {
    return (CopyAndOr(value.data(), value.size(), p + kLengthPrefixBytes) & 0x8080808080808080ull) == 0;
  }
  std::memcpy(p + kLengthPrefixBytes, value.data(), value.size());
  return IsAscii(value);
}

inline void AppendPlain(std::string_view value, ByteBuffer* out) { AppendPlainIsAscii(value, out); }

// Bytes of a value's prefix key: enough that values sharing a scheme and "www." still differ in it.
constexpr size_t kPrefixKeyBytes = 16;

// The first kPrefixKeyBytes bytes as a big-endian number, zero-padded: when two keys differ they order
// their values as unsigned byte-wise comparison does (the type-defined order of STRING,
// parquet.thrift ColumnOrder), since a shorter value's padding is the smallest byte. Equal keys leave
// the order to a full comparison.
unsigned __int128 PrefixKey(std::string_view value) {
  const char* p = value.data();
  const size_t n = value.size();
  // The first 8 and the next 8 bytes as little-endian words, zero where the value has no byte; loads
  // overlap inside the value instead of reading past it.
  uint64_t hi = 0;
  uint64_t lo = 0;
  if (n >= kPrefixKeyBytes) {
    hi = Load64(p);
    lo = Load64(p + 8);
  } else if (n > 8) {
    hi = Load64(p);
    lo = Load64(p + n - 8) >> (8 * (kPrefixKeyBytes - n));
  } else if (n == 8) {
    hi = Load64(p);
  } else if (n >= 4) {
    hi = Load32(p) | (static_cast<uint64_t>(Load32(p + n - 4)) << (8 * (n - 4)));
  } else {
    for (size_t i = 0; i < n; ++i) hi |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
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
    last_value = {};
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
  PodVector<uint32_t> indices;    // dictionary index of each present value, when dictionary_mode
  StringDictionary dictionary;
  // The previous value's entry: repeated neighbours (http_version, tls_version) skip the hash lookup.
  // Points into the dictionary, refreshed after every Insert (which may move its bytes).
  bool has_last = false;
  uint32_t last_index = 0;
  std::string_view last_value;
  size_t plain_equivalent_bytes = 0;  // what the values would take PLAIN-encoded
  bool has_min_max = false;
  std::string min;
  std::string max;
  unsigned __int128 min_key = 0;  // PrefixKey(min)
  unsigned __int128 max_key = 0;  // PrefixKey(max)
  std::string scratch;  // a sanitized copy of an invalid UTF-8 value
  PodVector<std::string_view> batch_values;  // the present values of the rows being appended
  ByteBuffer encoded;  // one dictionary data page's indices, RLE/bit-packed
};

std::unique_ptr<ColumnWriterState> StringColumnWriter::InitializeState() const {
  return std::make_unique<State>();
}

size_t StringColumnWriter::AppendDictionaryValues(absl::Span<const std::string_view> values, State* state,
                                                  size_t* bytes) const {
  StringDictionary& dictionary = state->dictionary;
  for (size_t i = 0; i < values.size(); ++i) {
    std::string_view value = values[i];
    if (!IsValidUtf8(value)) value = state->Sanitized(value);
    state->plain_equivalent_bytes += kLengthPrefixBytes + value.size();
    *bytes += sizeof(uint32_t);
    if (!state->has_last || !StringDictionary::Equal(value, state->last_value)) {
      bool added;
      state->last_index = dictionary.Insert(value, &added);
      state->last_value = dictionary.entry(state->last_index);
      state->has_last = true;
      if (added) {
        state->Observe(value);
        *bytes += kLengthPrefixBytes + value.size();
        if (dictionary.plain().size() > options().max_dictionary_bytes) {
          state->indices.push_back(state->last_index);
          state->FallBackToPlain();
          return i + 1;
        }
      }
    }
    state->indices.push_back(state->last_index);
    if (state->indices.size() == kDictionaryProbeValues && dictionary.size() > kDictionaryProbeValues / 2) {
      state->FallBackToPlain();
      return i + 1;
    }
  }
  return values.size();
}

void StringColumnWriter::AppendPlainValues(absl::Span<const std::string_view> values, State* state,
                                           size_t* bytes) const {
  ByteBuffer& plain = state->plain;
  for (std::string_view value : values) {
    const size_t start = plain.size();
    // Copied first, checked by the same pass; the rare value that is not ASCII gets the full check
    // and, when it is not valid UTF-8, replaces its copy with the repaired bytes.
    if (!AppendPlainIsAscii(value, &plain) && !IsValidUtf8Multibyte(value)) {
      plain.Truncate(start);
      value = state->Sanitized(value);
      AppendPlain(value, &plain);
    }
    state->Observe(value);
    *bytes += kLengthPrefixBytes + value.size();
  }
}

template <typename Get>
size_t StringColumnWriter::AppendRows(absl::Span<const Row> rows, State* state, Get get) const {
  // First pass: each row's level, and the present values gathered without a branch per row (whether
  // a row has a value varies too much to predict). The second pass then encodes only values.
  PodVector<std::string_view>& values = state->batch_values;
  values.resize(rows.size());
  size_t present = 0;
  if (is_optional()) {
    const size_t old = state->def_levels.size();
    state->def_levels.resize(old + rows.size());
    uint8_t* levels = state->def_levels.data() + old;
    for (size_t i = 0; i < rows.size(); ++i) {
      const uint8_t has = get(rows[i], &values[present]) ? 1 : 0;
      levels[i] = has;
      present += has;
    }
  } else {
    for (size_t i = 0; i < rows.size(); ++i) get(rows[i], &values[i]);
    present = rows.size();
  }
  const absl::Span<const std::string_view> todo(values.data(), present);
  size_t bytes = 0;
  // A dictionary chunk may fall back to PLAIN part way: the rest of the values then go the PLAIN way.
  size_t done = 0;
  if (state->dictionary_mode) done = AppendDictionaryValues(todo, state, &bytes);
  if (done < todo.size()) AppendPlainValues(todo.subspan(done), state, &bytes);
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
  if (field_.header >= 0) {
    return AppendRows(rows, state, [index = static_cast<size_t>(field_.header)](const Row& row,
                                                                               std::string_view* value) {
      if (index >= row.headers.size()) return false;
      const OptString& field = row.headers[index];
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
  ByteBuffer& plain = state->plain;
  // Readable padding after the last value, for the branch-free walk below.
  const size_t size = plain.size();
  std::memset(plain.Extend(kLengthPrefixBytes), 0, kLengthPrefixBytes);
  plain.Truncate(size);
  size_t offset = 0;  // start of the next page's values in plain
  size_t row = 0;
  while (row < rows) {
    const size_t page_start = offset;
    const size_t first_row = row;
    // Whole rows until the page holds page_bytes of values; at least one row per page.
    if (is_optional()) {
      // A null row adds nothing: its level scales the length read at `offset` (the next value's, or
      // the padding past the last one) to zero, without a branch on presence.
      while (row < rows && (row == first_row || offset - page_start < options().page_bytes)) {
        offset += state->def_levels[row] * (kLengthPrefixBytes + ReadLength(plain, offset));
        ++row;
      }
    } else {
      while (row < rows && (row == first_row || offset - page_start < options().page_bytes)) {
        offset += kLengthPrefixBytes + ReadLength(plain, offset);
        ++row;
      }
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
  ByteBuffer& encoded = state->encoded;
  for (size_t row = 0; row < rows; row += rows_per_page) {
    const size_t end = std::min(rows, row + rows_per_page);
    const size_t present = CountPresent(*state, row, end, is_optional());
    encoded.clear();
    // Dictionary-encoded values: one byte holding the bit width, then the RLE/bit-packed indices.
    *encoded.Extend(1) = static_cast<char>(bit_width);
    AppendRleBitPacked(absl::MakeConstSpan(state->indices).subspan(value, present), bit_width, &encoded);
    absl::Span<const uint8_t> levels;
    if (is_optional()) levels = absl::MakeConstSpan(state->def_levels).subspan(row, end - row);
    pages->WriteDataPage(levels, static_cast<int32_t>(end - row), Encoding::kRleDictionary, encoded.view());
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
  pages->BeginChunk(schema(), &state->compression, chunk);
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
