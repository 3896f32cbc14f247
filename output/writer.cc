// The writer factory: one writer per --format value; CSV and JSON Lines compressed as --compress says.
#include "output/writer.h"

#include <unistd.h>

#include <memory>

#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "output/text_line_writer.h"
#include "output/parquet/parquet_writer.h"

namespace urlsweep {

std::unique_ptr<RowWriter> MakeRowWriter(const Config& config, OutputFile* file) {
  switch (config.format) {
    case OutputFormat::kCsv:
      return std::make_unique<CsvWriter>(file, config.compression, config.extra_columns);
    case OutputFormat::kJsonl:
      return std::make_unique<JsonlWriter>(file, config.compression, config.extra_columns);
    case OutputFormat::kParquet:
      return MakeParquetWriter(config, file);
    case OutputFormat::kText:
      // Colour is for a terminal; a file or a pipe gets the plain lines.
      return std::make_unique<TextLineWriter>(file, isatty(file->fd()) != 0);
  }
  return nullptr;
}

}  // namespace urlsweep
