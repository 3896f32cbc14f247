#include "output/report/report_text.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "output/text_format.h"

namespace urlsweep {
namespace {

// Commas into a run of decimal digits.
std::string Grouped(const std::string& digits) {
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

}  // namespace

std::string ReportText::Count(int64_t n) {
  // The magnitude as unsigned, so that INT64_MIN has one.
  const std::string out = Grouped(absl::StrCat(n < 0 ? -(n + 1) + uint64_t{1} : static_cast<uint64_t>(n)));
  return n < 0 ? "-" + out : out;
}

std::string ReportText::Decimal(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  const std::string text = absl::StrFormat("%.*f", decimals, value);
  const bool negative = !text.empty() && text[0] == '-';
  const std::string body = negative ? text.substr(1) : text;
  const size_t point = body.find('.');
  const std::string whole = body.substr(0, point);
  const std::string fraction = point == std::string::npos ? "" : body.substr(point);
  return absl::StrCat(negative ? "-" : "", Grouped(whole), fraction);
}

std::string ReportText::Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "0%";
  return absl::StrFormat("%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string ReportText::Millis(double ms) { return absl::StrFormat("%.3f", ms); }

std::string ReportText::Timestamp(int64_t micros) {
  std::string out;
  AppendTimestamp(micros, &out);
  return out;
}

std::string ReportText::Duration(double seconds) {
  if (seconds < 1) return absl::StrFormat("%.0f ms", seconds * 1000);
  if (seconds < 120) return absl::StrFormat("%.2f s", seconds);
  const int64_t s = static_cast<int64_t>(seconds);
  if (s < 7200) return absl::StrFormat("%d min %02d s", s / 60, s % 60);
  return absl::StrFormat("%d h %02d min", s / 3600, s / 60 % 60);
}

std::string ReportText::EdgeLabel(double ms) {
  if (ms >= 1000) return absl::StrFormat("%gk", ms / 1000);
  return absl::StrFormat("%g", ms);
}

}  // namespace urlsweep
