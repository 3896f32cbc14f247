#include "output/report/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "output/parquet/utf8_sanitizer.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// Layout of HorizontalBars, in CSS pixels: a row per bar, room for labels as long as
// "connect_unreachable" or a host name, and for value texts such as "123,456 (12.3%)".
constexpr int kBarRowHeight = 22;
constexpr int kBarHeight = 15;
constexpr int kLabelWidth = 190;
constexpr int kValueWidth = 130;
// Labels longer than this are cut (with "..."): a host name can be 253 bytes, a chart row cannot.
constexpr size_t kMaxLabelChars = 30;

// Layout of Columns: room on the left for the y axis label, below for the x labels.
constexpr int kAxisLeft = 70;
constexpr int kAxisBottom = 34;
constexpr int kAxisTop = 8;
// Room per x label: a label such as "100-200" or "+12.5 s" is about 45 pixels wide in 11-pixel text,
// so labels at least this far apart never overlap.
constexpr double kXLabelSpacing = 64;

std::string Cut(std::string_view text) {
  if (text.size() <= kMaxLabelChars) return std::string(text);
  // Cut on a character boundary: never inside a UTF-8 sequence.
  size_t end = kMaxLabelChars;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return absl::StrCat(ToAbsl(text.substr(0, end)), "...");
}

// The y axis maximum: whole numbers with thousands separators ("15,200"), small ones with three
// significant digits ("0.25"), never an exponent.
std::string AxisNumber(double value) {
  if (value < 1000) return absl::StrFormat("%.3g", value);
  std::string digits = absl::StrFormat("%.0f", value);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

double Largest(absl::Span<const SvgBar> bars) {
  double largest = 0;
  for (const SvgBar& bar : bars) largest = std::max(largest, bar.value);
  return largest;
}

// HTML/SVG text escaping (AppendEscaped, AppendEscapedInert).
void Escape(std::string_view text, bool inert, std::string* out) {
  std::string clean;
  const std::string_view* source = &text;
  std::string_view clean_view;
  if (!parquet::IsValidUtf8(text)) {
    parquet::AppendSanitizedUtf8(text, &clean);
    clean_view = clean;
    source = &clean_view;
  }
  for (char c : *source) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      case '\'': out->append("&#39;"); break;
      case ':': out->append(inert ? "&#58;" : ":"); break;
      case '/': out->append(inert ? "&#47;" : "/"); break;
      default:
        // Controls other than tab and newline are not allowed in XML text, the SVG parser's rules.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
          out->append("\xEF\xBF\xBD");
        } else {
          out->push_back(c);
        }
    }
  }
}

}  // namespace

void SvgChart::AppendEscaped(std::string_view text, std::string* out) { Escape(text, /*inert=*/false, out); }

void SvgChart::AppendEscapedInert(std::string_view text, std::string* out) { Escape(text, /*inert=*/true, out); }

void SvgChart::HorizontalBars(absl::Span<const SvgBar> bars, int width, std::string* out) {
  const int height = static_cast<int>(bars.size()) * kBarRowHeight + 4;
  const int track = std::max(40, width - kLabelWidth - kValueWidth);
  const double largest = Largest(bars);
  absl::StrAppend(out, "<svg class=\"chart\" width=\"", width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ",
                  height, "\" role=\"img\">");
  for (size_t i = 0; i < bars.size(); ++i) {
    const SvgBar& bar = bars[i];
    const int y = static_cast<int>(i) * kBarRowHeight + 2;
    const double length = largest > 0 ? bar.value / largest * track : 0;
    // A non-zero value stays visible however small beside the largest.
    const double shown = bar.value > 0 ? std::max(length, 1.5) : 0;
    out->append("<g><title>");
    AppendEscapedInert(bar.label, out);
    out->append(": ");
    AppendEscapedInert(bar.value_text, out);
    absl::StrAppend(out, "</title><text x=\"", kLabelWidth - 8, "\" y=\"", y + kBarHeight - 3,
                    "\" text-anchor=\"end\" class=\"label\">");
    AppendEscapedInert(Cut(bar.label), out);
    absl::StrAppend(out, "</text><rect x=\"", kLabelWidth, "\" y=\"", y, "\" width=\"", absl::StrFormat("%.1f", shown),
                    "\" height=\"", kBarHeight, "\" fill=\"");
    AppendEscapedInert(bar.color, out);
    absl::StrAppend(out, "\"/><text x=\"", absl::StrFormat("%.1f", kLabelWidth + shown + 6), "\" y=\"",
                    y + kBarHeight - 3, "\" class=\"value\">");
    AppendEscapedInert(bar.value_text, out);
    out->append("</text></g>");
  }
  out->append("</svg>");
}

void SvgChart::Columns(absl::Span<const SvgBar> bars, int width, int height, std::string_view y_unit,
                       std::string* out) {
  Columns(bars, width, height, y_unit, /*note=*/{}, out);
}

void SvgChart::Columns(absl::Span<const SvgBar> bars, int width, int height, std::string_view y_unit,
                       std::string_view note, std::string* out) {
  const double largest = Largest(bars);
  const int plot_width = width - kAxisLeft - 10;
  const int plot_height = height - kAxisTop - kAxisBottom;
  const int base = kAxisTop + plot_height;
  const double step = bars.empty() ? 0 : static_cast<double>(plot_width) / static_cast<double>(bars.size());
  // A gap between columns while they are wide enough to show one.
  const double gap = step >= 6 ? 1 : 0;
  absl::StrAppend(out, "<svg class=\"chart\" width=\"", width, "\" height=\"", height, "\" viewBox=\"0 0 ", width, " ",
                  height, "\" role=\"img\">");
  // Axes: the baseline and the y axis with its largest value.
  absl::StrAppend(out, "<line x1=\"", kAxisLeft, "\" y1=\"", base, "\" x2=\"", kAxisLeft + plot_width, "\" y2=\"", base,
                  "\" class=\"axis\"/><line x1=\"", kAxisLeft, "\" y1=\"", kAxisTop, "\" x2=\"", kAxisLeft, "\" y2=\"",
                  base, "\" class=\"axis\"/>");
  absl::StrAppend(out, "<text x=\"", kAxisLeft - 6, "\" y=\"", kAxisTop + 10, "\" text-anchor=\"end\" class=\"tick\">");
  AppendEscapedInert(AxisNumber(largest), out);
  absl::StrAppend(out, "</text><text x=\"", kAxisLeft - 6, "\" y=\"", kAxisTop + 24,
                  "\" text-anchor=\"end\" class=\"tick\">");
  AppendEscapedInert(y_unit, out);
  absl::StrAppend(out, "</text><text x=\"", kAxisLeft - 6, "\" y=\"", base,
                  "\" text-anchor=\"end\" class=\"tick\">0</text>");
  const size_t label_every = step > 0 ? std::max<size_t>(1, static_cast<size_t>(std::ceil(kXLabelSpacing / step))) : 1;
  for (size_t i = 0; i < bars.size(); ++i) {
    const SvgBar& bar = bars[i];
    const double x = kAxisLeft + step * static_cast<double>(i);
    const double h = largest > 0 ? bar.value / largest * plot_height : 0;
    const double shown = bar.value > 0 ? std::max(h, 1.5) : 0;
    out->append("<g><title>");
    AppendEscapedInert(bar.label, out);
    out->append(": ");
    AppendEscapedInert(bar.value_text, out);
    absl::StrAppend(out, "</title><rect x=\"", absl::StrFormat("%.2f", x + gap / 2), "\" y=\"",
                    absl::StrFormat("%.2f", base - shown), "\" width=\"",
                    absl::StrFormat("%.2f", std::max(step - gap, 0.5)), "\" height=\"", absl::StrFormat("%.2f", shown),
                    "\" fill=\"");
    AppendEscapedInert(bar.color, out);
    out->append("\"/></g>");
    // A label starts at its column; one that would run past the right edge is left out.
    if (i % label_every == 0 && x + kXLabelSpacing * 0.75 <= width) {
      absl::StrAppend(out, "<text x=\"", absl::StrFormat("%.1f", x), "\" y=\"", base + 16, "\" class=\"tick\">");
      AppendEscapedInert(Cut(bar.label), out);
      out->append("</text>");
    }
  }
  if (!note.empty()) {
    absl::StrAppend(out, "<text x=\"", width - 12, "\" y=\"", kAxisTop + 12, "\" text-anchor=\"end\" class=\"note\">");
    AppendEscapedInert(note, out);
    out->append("</text>");
  }
  out->append("</svg>");
}

}  // namespace urlsweep
