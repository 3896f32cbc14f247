// OutputFormat: the result formats, with the one table of their names (--format, the journal, the
// report's page) and file extensions (--output and `urlsweep report RESULTS`). Pure.
#pragma once

#include <string_view>

namespace urlsweep {

// kText is the lines for people (`--format text`): chosen by name or for a terminal, never by an
// extension, and not a result file `urlsweep report` reads.
enum class OutputFormat { kCsv, kJsonl, kParquet, kText };

struct OutputFormatInfo {
  OutputFormat format;
  std::string_view name;       // as --format takes it, lower case
  std::string_view extension;  // with its dot, lower case; empty: no extension names the format
};

inline constexpr OutputFormatInfo kOutputFormats[] = {
    {OutputFormat::kCsv, "csv", ".csv"},
    {OutputFormat::kJsonl, "jsonl", ".jsonl"},
    {OutputFormat::kParquet, "parquet", ".parquet"},
    {OutputFormat::kText, "text", ""},
};

// "csv", "jsonl", "parquet" or "text".
std::string_view OutputFormatName(OutputFormat format);

// The format named exactly `name` (lower case; a caller that allows any case lowers it first). False,
// *out untouched, for any other word.
bool OutputFormatFromName(std::string_view name, OutputFormat* out);

// The format whose extension ends `path`, compared exactly (a caller that allows any case lowers the
// path first). False, *out untouched, when none does.
bool OutputFormatFromExtension(std::string_view path, OutputFormat* out);

}  // namespace urlsweep
