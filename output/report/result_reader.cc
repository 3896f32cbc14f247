#include "output/report/result_reader.h"

#include <string_view>
#include <utility>

#include "output/report/csv_result_reader.h"
#include "output/report/input_file.h"
#include "output/report/jsonl_result_reader.h"
#include "output/report/parquet_result_reader.h"

namespace urlsweep {
namespace {

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// Enough bytes to see Parquet's magic or the first non-space byte of a JSON line.
constexpr size_t kSniffBytes = 64;

}  // namespace

absl::StatusOr<OutputFormat> DetectResultFormat(const std::string& path) {
  if (EndsWith(path, ".csv")) return OutputFormat::kCsv;
  if (EndsWith(path, ".jsonl")) return OutputFormat::kJsonl;
  if (EndsWith(path, ".parquet")) return OutputFormat::kParquet;
  if (path == "-") return OutputFormat::kCsv;
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<std::string> head = file->Peek(kSniffBytes);
  if (!head.ok()) return head.status();
  if (head->compare(0, 4, "PAR1") == 0) return OutputFormat::kParquet;
  const size_t first = head->find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (*head)[first] == '{') return OutputFormat::kJsonl;
  return OutputFormat::kCsv;
}

absl::StatusOr<std::unique_ptr<ResultReader>> OpenResultReader(const std::string& path, OutputFormat format) {
  absl::StatusOr<InputFile> file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  switch (format) {
    case OutputFormat::kCsv: return std::unique_ptr<ResultReader>(new CsvResultReader(std::move(*file)));
    case OutputFormat::kJsonl: return std::unique_ptr<ResultReader>(new JsonlResultReader(std::move(*file)));
    case OutputFormat::kParquet: {
      absl::StatusOr<std::unique_ptr<ParquetResultReader>> reader = ParquetResultReader::Open(std::move(*file));
      if (!reader.ok()) return reader.status();
      return std::unique_ptr<ResultReader>(std::move(*reader));
    }
    case OutputFormat::kText:  // lines for people: not read back
      break;
  }
  return absl::InvalidArgumentError("unknown format");
}

}  // namespace urlsweep
