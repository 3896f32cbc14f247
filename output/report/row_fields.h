// The output columns (docs/output.md) as typed values: which kind each column holds, and setters that
// store a value into the matching Row member. Shared by the three result readers (CSV, JSON Lines,
// Parquet), so that a column means the same thing whatever file it came from. Pure.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "core/row.h"

namespace urlsweep {

// What a column holds (docs/output.md: the type column).
enum class ColumnKind : uint8_t {
  kInt64,      // line, content_length, body_bytes
  kInt32,      // port, status, redirects, attempts
  kString,     // every text column but error
  kErrorWord,  // error: a documented error word (docs/errors.md)
  kTimestamp,  // cert_not_after, started_at: microseconds since the Unix epoch, UTC
  kMillis,     // dns_ms ... total_ms
};

// One entry per kColumnNames entry, in the same order.
inline constexpr std::array<ColumnKind, kColumnNames.size()> kColumnKinds = {
    ColumnKind::kInt64,     ColumnKind::kString, ColumnKind::kString,    ColumnKind::kString, ColumnKind::kString,
    ColumnKind::kInt32,     ColumnKind::kInt32,  ColumnKind::kString,    ColumnKind::kString, ColumnKind::kErrorWord,
    ColumnKind::kString,    ColumnKind::kInt32,  ColumnKind::kString,    ColumnKind::kString, ColumnKind::kInt64,
    ColumnKind::kString,    ColumnKind::kString, ColumnKind::kInt64,     ColumnKind::kString, ColumnKind::kString,
    ColumnKind::kTimestamp, ColumnKind::kInt32,  ColumnKind::kMillis,    ColumnKind::kMillis, ColumnKind::kMillis,
    ColumnKind::kMillis,    ColumnKind::kMillis, ColumnKind::kTimestamp, ColumnKind::kString, ColumnKind::kString,
};

// The index of `name` in kColumnNames, or -1 for a column the report does not read (the optional
// header_* and body_sha256 columns among them).
int ColumnIndex(std::string_view name);

// Whether the column is always present (docs/output.md: line, url, redirects, attempts).
bool IsRequiredColumn(int column);

// Typed setters. `column` indexes kColumnNames and must be of a kind the setter takes; a value out of
// the column's range (an int32 column given 2^40, an unknown error word) is an InvalidArgument error
// naming the problem, never a silently changed value.
// kInt64, kInt32 and kTimestamp columns.
absl::Status SetColumnInt(int column, int64_t value, Row* row);
// kMillis columns.
void SetColumnMillis(int column, double value, Row* row);
// kString and kErrorWord columns.
absl::Status SetColumnString(int column, std::string_view value, Row* row);
// Any column: the value becomes absent (required columns keep their zero value).
void SetColumnNull(int column, Row* row);

// A value in the text form the CSV and JSON Lines writers use (output/README.md, "Format rules"):
// decimal integers, milliseconds as a decimal number, timestamps in ISO 8601 UTC with 'Z', error words.
// An empty text is not special here: callers decide what absence looks like in their format.
absl::Status SetColumnText(int column, std::string_view text, Row* row);

// ISO 8601 UTC as the writers print it: [+-]YYYY-MM-DDTHH:MM:SS[.f{1,6}]Z, years beyond 0000..9999
// with a sign and more digits. False for anything else, a calendar-invalid date included.
bool ParseTimestamp(std::string_view text, int64_t* micros_since_epoch);

}  // namespace urlsweep
