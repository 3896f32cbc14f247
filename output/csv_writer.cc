// CSV per RFC 4180, section 2: records end in CRLF (rule 2), a field holding a comma, a double quote or
// a line break is enclosed in double quotes (rule 6) and its double quotes are doubled (rule 7).
#include "output/csv_writer.h"

#include <utility>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "output/column_visitor.h"
#include "output/text_format.h"

namespace urlsweep {
namespace {

constexpr std::string_view kRecordEnd = "\r\n";

// Bytes that force a field into quotes (RFC 4180 rule 6). A table, because string_view::find_first_of
// runs memchr over the set once per byte of the field.
constexpr std::array<bool, 256> kNeedsQuotes = [] {
  std::array<bool, 256> table{};
  table[','] = table['"'] = table['\r'] = table['\n'] = true;
  return table;
}();

class CsvFields {
 public:
  explicit CsvFields(std::string* out) : out_(out) {}

  void Null(int column) { Separate(column); }
  void Int(int column, int64_t value) {
    Separate(column);
    AppendInt64(value, out_);
  }
  void String(int column, std::string_view bytes) {
    Separate(column);
    CsvWriter::AppendField(bytes, out_);
  }
  void Timestamp(int column, int64_t micros) {
    Separate(column);
    AppendTimestamp(micros, out_);
  }
  void Millis(int column, double ms) {
    Separate(column);
    AppendMillis(ms, out_);
  }

 private:
  void Separate(int column) {
    if (column > 0) out_->push_back(',');
  }
  std::string* out_;
};

}  // namespace

CsvWriter::CsvWriter(OutputFile* file, OutputCompression compression, ExtraColumns extra)
    : TextRowWriter(file, compression, std::move(extra),
                    [](const Row& row, const ExtraColumns& columns, std::string* out) {
                      AppendRow(row, out, columns);
                    }) {}

void CsvWriter::AppendHeader(std::string* out, const ExtraColumns& extra) {
  for (size_t i = 0; i < kColumnNames.size(); ++i) {
    if (i > 0) out->push_back(',');
    out->append(kColumnNames[i]);
  }
  // Extra names are HTTP tokens (or body_sha256): nothing in them needs quoting.
  for (size_t i = 0; i < extra.size(); ++i) {
    out->push_back(',');
    out->append(extra.Name(i));
  }
  out->append(kRecordEnd);
}

void CsvWriter::AppendRow(const Row& row, std::string* out, const ExtraColumns& extra) {
  CsvFields fields(out);
  VisitColumns(row, extra, fields);
  out->append(kRecordEnd);
}

void CsvWriter::AppendField(std::string_view value, std::string* out) {
  bool needs_quotes = false;
  for (char c : value) {
    if (kNeedsQuotes[static_cast<unsigned char>(c)]) {
      needs_quotes = true;
      break;
    }
  }
  if (!needs_quotes) {
    out->append(value);
    return;
  }
  out->push_back('"');
  size_t start = 0;
  for (size_t quote = value.find('"'); quote != std::string_view::npos; quote = value.find('"', start)) {
    out->append(value.substr(start, quote + 1 - start));
    out->push_back('"');
    start = quote + 1;
  }
  out->append(value.substr(start));
  out->push_back('"');
}

absl::Status CsvWriter::Open(bool append) {
  if (append) return absl::OkStatus();
  return WritePreamble([](std::string* out, const ExtraColumns& extra) { AppendHeader(out, extra); });
}

}  // namespace urlsweep
