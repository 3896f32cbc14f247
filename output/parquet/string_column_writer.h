// StringColumnWriter: the ColumnWriter for BYTE_ARRAY columns annotated STRING. Values are made valid
// UTF-8 (utf8_sanitizer.h), then either dictionary-encoded (a PLAIN dictionary page and RLE_DICTIONARY
// data pages) or PLAIN-encoded. A dictionary chunk goes back to PLAIN when its dictionary outgrows
// ColumnWriterOptions::max_dictionary_bytes or would not make the chunk smaller.
#pragma once

#include <memory>
#include <string_view>

#include "output/parquet/column_writer.h"
#include "core/errors.h"

namespace urlsweep::parquet {

// Where a string column's value lives in a Row (exactly one member is set): read in place, so the
// per-row loop makes no call.
struct StringField {
  // Implicit on purpose: a column is declared by naming its Row member.
  StringField(OptString Row::*member) : optional(member) {}
  StringField(std::string Row::*member) : required(member) {}
  StringField(ErrorCode Row::*member) : error(member) {}
  // Captured header `index` (Row::headers): absent when the row has no such slot or no value in it.
  static StringField Header(size_t index) {
    StringField field;
    field.header = static_cast<int>(index);
    return field;
  }

  OptString Row::*optional = nullptr;   // an OPTIONAL string
  std::string Row::*required = nullptr;  // a REQUIRED string
  ErrorCode Row::*error = nullptr;       // the error word (ErrorName), null for kNone
  int header = -1;                        // an index into Row::headers, OPTIONAL

 private:
  StringField() = default;
};

class StringColumnWriter final : public ColumnWriter {
 public:
  StringColumnWriter(const ColumnSchema& schema, const ColumnWriterOptions& options, StringField field,
                     bool use_dictionary)
      : ColumnWriter(schema, options), field_(field), use_dictionary_(use_dictionary) {}

  std::unique_ptr<ColumnWriterState> InitializeState() const override;
  size_t Append(absl::Span<const Row> rows, ColumnWriterState* state) const override;
  void Prepare(ColumnWriterState* state, PageWriter* pages, PreparedColumnChunk* chunk) const override;

 private:
  class State;
  // The loop over rows for one kind of field; `get` returns whether the row has a value.
  template <typename Get>
  size_t AppendRows(absl::Span<const Row> rows, State* state, Get get) const;
  // Dictionary-encodes present values, adding the bytes they buffer to *bytes (the row group's size
  // limit); returns how many it took: all of them, or fewer when the chunk fell back to PLAIN on the way.
  size_t AppendDictionaryValues(absl::Span<const std::string_view> values, State* state, size_t* bytes) const;
  // PLAIN-encodes present values, adding the bytes they buffer to *bytes.
  void AppendPlainValues(absl::Span<const std::string_view> values, State* state, size_t* bytes) const;
  void WritePlainPages(State* state, PageWriter* pages) const;
  void WriteDictionaryPages(State* state, PageWriter* pages) const;

  StringField field_;
  bool use_dictionary_;
};

}  // namespace urlsweep::parquet
