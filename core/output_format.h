// OutputFormat and OutputCompression: the result formats and the stream compressions, with the one table
// of their names (--format, --compress, the journal, the report's page) and file name endings (--output
// and `urlsweep report RESULTS`). Pure.
#pragma once

#include <string_view>

namespace urlsweep {

// kText is the lines for people (`--format text`): chosen by name or for a terminal, never by an
// extension, and not a result file `urlsweep report` reads.
enum class OutputFormat { kCsv, kJsonl, kParquet, kText };

// A compression of the whole byte stream of a text format (Parquet compresses inside the file instead).
enum class OutputCompression { kNone, kGzip, kZstd };

struct OutputFormatInfo {
  OutputFormat format;
  std::string_view name;  // as --format takes it, lower case
  // The format is a byte stream that may be compressed whole (--compress, a .gz or .zst name). Parquet
  // is not: its footer points at byte offsets of the file, and it compresses its pages itself.
  bool streamed;
};

inline constexpr OutputFormatInfo kOutputFormats[] = {
    {OutputFormat::kCsv, "csv", true},
    {OutputFormat::kJsonl, "jsonl", true},
    {OutputFormat::kParquet, "parquet", false},
    // For people, not pipelines: no extension names it, and it is never compressed.
    {OutputFormat::kText, "text", false},
};

struct OutputExtensionInfo {
  std::string_view extension;  // with its dot, lower case
  OutputFormat format;
};

// The file name extensions that name a format. JSON Lines goes by three names in the wild: .jsonl (the
// jsonlines.org name), .ndjson (the ndjson spec's) and .json (what DuckDB, Spark and BigQuery also read
// as one object a line).
inline constexpr OutputExtensionInfo kOutputExtensions[] = {
    {".csv", OutputFormat::kCsv},         {".jsonl", OutputFormat::kJsonl},
    {".ndjson", OutputFormat::kJsonl},    {".json", OutputFormat::kJsonl},
    {".parquet", OutputFormat::kParquet},
};

struct OutputCompressionInfo {
  OutputCompression compression;
  std::string_view name;    // as --compress takes it, lower case
  std::string_view suffix;  // what a file name ends in after the format's extension; empty for none
};

inline constexpr OutputCompressionInfo kOutputCompressions[] = {
    {OutputCompression::kNone, "none", ""},
    {OutputCompression::kGzip, "gzip", ".gz"},
    {OutputCompression::kZstd, "zstd", ".zst"},
};

// "csv", "jsonl", "parquet" or "text".
std::string_view OutputFormatName(OutputFormat format);

// Whether `format` may be compressed as a whole stream (OutputFormatInfo::streamed).
bool OutputFormatIsStreamed(OutputFormat format);

// The format named exactly `name` (lower case; a caller that allows any case lowers it first). False,
// *out untouched, for any other word.
bool OutputFormatFromName(std::string_view name, OutputFormat* out);

// "none", "gzip" or "zstd".
std::string_view OutputCompressionName(OutputCompression compression);

// The compression named exactly `name` (lower case). False, *out untouched, for any other word.
bool OutputCompressionFromName(std::string_view name, OutputCompression* out);

// What a file name says about its content: "rows.csv.gz" is CSV compressed with gzip, "rows.ndjson" is
// JSON Lines, "rows" says nothing, "rows.xml" names no format urlsweep knows.
struct OutputName {
  enum class Kind {
    kFormat,            // the name ends in a format's extension (and maybe a compression suffix)
    kNoExtension,       // the last part of the path (less a compression suffix) has no extension
    kUnknownExtension,  // it has one, and no format goes by it
  };
  Kind kind = Kind::kNoExtension;
  OutputFormat format = OutputFormat::kCsv;  // for kFormat
  OutputCompression compression = OutputCompression::kNone;
  std::string_view extension;  // for kUnknownExtension: the extension found, with its dot
};

// Reads a path's last part, compared exactly (a caller that allows any case lowers the path first): a
// compression suffix (.gz, .zst) is taken off its end, then what follows the last dot of the rest is the
// extension. A dot that begins the name (".results") starts no extension. "rows.gz" is a gzip stream
// whose name has no extension; "rows.parquet.gz" names Parquet and gzip (callers refuse that pair).
OutputName ParseOutputName(std::string_view path);

}  // namespace urlsweep
