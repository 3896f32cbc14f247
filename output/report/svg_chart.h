// SvgChart: the report's charts as inline SVG markup (SVG 1.1 elements only: rect, line, text, title),
// so the page needs no script, no font and no network to draw them, and prints as it shows. Pure:
// appends markup to a string. Every text is escaped here; callers pass plain text.
#pragma once

#include <string>
#include <string_view>

#include "absl/types/span.h"

namespace urlsweep {

// One bar: its label, its value (the bar's length), the text written beside it and its fill colour
// (a CSS colour the caller controls, never data from a result file).
struct SvgBar {
  std::string label;
  double value = 0;
  std::string value_text;
  std::string_view color;
};

class SvgChart {
 public:
  // Horizontal bars, one row each, labels on the left, value texts on the right, scaled to the largest
  // value. Each bar carries a <title> (the label and value) that browsers show on hover.
  static void HorizontalBars(absl::Span<const SvgBar> bars, int width, std::string* out);

  // Vertical columns side by side (a histogram or a time series), scaled to the largest value, with a
  // baseline, the largest value as the y axis label (`y_unit` under it) and the labels of evenly spaced
  // columns, as many as fit without overlapping, under them. Every column has its <title>.
  static void Columns(absl::Span<const SvgBar> bars, int width, int height, std::string_view y_unit, std::string* out);

  // The same, with `note` (plain text) drawn in the top right corner of the plot: what the chart
  // leaves out.
  static void Columns(absl::Span<const SvgBar> bars, int width, int height, std::string_view y_unit,
                      std::string_view note, std::string* out);

  // Text escaped for HTML and SVG content and attribute values, invalid UTF-8 replaced by U+FFFD.
  static void AppendEscaped(std::string_view text, std::string* out);
  // The same, and ':' and '/' written as character references (&#58; &#47;): text that may hold a URL
  // (a row's url, error_detail, a header) then shows as itself in a browser, while the page's bytes
  // hold no URL for a link scanner or mail filter to follow. Every text of a chart is written so.
  static void AppendEscapedInert(std::string_view text, std::string* out);
};

}  // namespace urlsweep
