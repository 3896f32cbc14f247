#include "output/text_line_writer.h"

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <system_error>

namespace urlsweep {
namespace {

// An int32 status has at most 10 digits and a sign.
constexpr size_t kInt32Chars = 11;
// Enough for any finite double in fixed notation with one decimal: 309 integer digits, sign, point.
constexpr size_t kMillisChars = 330;

// ECMA-48 SGR sequences: foreground green, yellow, red, and back to the default.
constexpr std::string_view kGreen = "\x1b[32m";
constexpr std::string_view kYellow = "\x1b[33m";
constexpr std::string_view kRed = "\x1b[31m";
constexpr std::string_view kReset = "\x1b[0m";

// The colour of a row's status or error: none for 1xx and codes outside 100..599.
std::string_view ColourOf(const Row& row) {
  if (row.error != ErrorCode::kNone) return kRed;
  if (!row.status.has_value()) return {};
  const int32_t status = *row.status;
  if (status >= 200 && status < 300) return kGreen;
  if (status >= 300 && status < 400) return kYellow;
  if (status >= 400 && status < 600) return kRed;
  return {};
}

// Milliseconds with one decimal: people read "123.4 ms", not microseconds.
void AppendMillisForPeople(double ms, std::string* out) {
  char buffer[kMillisChars];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), ms, std::chars_format::fixed, 1);
  if (ec != std::errc()) return;
  out->append(buffer, static_cast<size_t>(end - buffer));
}

}  // namespace

TextLineWriter::TextLineWriter(OutputFile* file, bool colour)
    : TextRowWriter(file, OutputCompression::kNone, ExtraColumns(),
                    colour ? &AppendColouredLine : &AppendPlainLine) {}

void TextLineWriter::AppendVisible(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      out->push_back('?');
    } else if (c == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9f) {
      // U+0080..U+009F, the C1 controls (CSI among them), are 0xC2 0x80..0x9F in UTF-8.
      out->push_back('?');
      ++i;
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

void TextLineWriter::AppendLine(const Row& row, bool colour, std::string* out) {
  AppendVisible(row.url, out);
  const bool failed = row.error != ErrorCode::kNone;
  if (row.status.has_value() || failed) {
    // The verdict: the status, the error, or both (a body that failed after the head arrived).
    const std::string_view paint = colour ? ColourOf(row) : std::string_view();
    out->push_back(' ');
    out->append(paint);
    if (row.status.has_value()) {
      char digits[kInt32Chars];
      char* end = std::to_chars(digits, digits + sizeof(digits), *row.status).ptr;
      out->append(digits, static_cast<size_t>(end - digits));
      if (failed) out->push_back(' ');
    }
    if (failed) {
      out->append(ErrorName(row.error));
      if (row.error_detail.has_value() && !row.error_detail.view().empty()) {
        out->append(": ");
        AppendVisible(row.error_detail.view(), out);
      }
    }
    if (!paint.empty()) out->append(kReset);
  }
  if (!failed && row.title.has_value() && !row.title.view().empty()) {
    out->push_back(' ');
    AppendVisible(row.title.view(), out);
  }
  if (!failed && row.total_ms.has_value() && std::isfinite(*row.total_ms)) {
    out->push_back(' ');
    AppendMillisForPeople(*row.total_ms, out);
    out->append(" ms");
  }
  out->push_back('\n');
}

absl::Status TextLineWriter::Open(bool /*append*/) { return absl::OkStatus(); }


}  // namespace urlsweep
