#include "output/report/parquet_result_reader.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace urlsweep {

absl::StatusOr<std::unique_ptr<ParquetResultReader>> ParquetResultReader::Open(InputFile file) {
  absl::StatusOr<std::string_view> bytes = file.Map();
  if (!bytes.ok()) return bytes.status();
  absl::StatusOr<ParquetReader> reader = ParquetReader::Open(*bytes);
  if (!reader.ok()) {
    return absl::Status(reader.status().code(), absl::StrCat(file.name(), ": ", reader.status().message()));
  }
  // The mapping belongs to the InputFile and stays put when the InputFile object moves.
  return std::unique_ptr<ParquetResultReader>(new ParquetResultReader(std::move(file), std::move(*reader)));
}

ParquetResultReader::ParquetResultReader(InputFile file, ParquetReader reader)
    : file_(std::move(file)), reader_(std::move(reader)) {}

absl::Status ParquetResultReader::Next(std::vector<Row>* rows) {
  while (next_group_ < reader_.row_group_count()) {
    const size_t group = next_group_++;
    if (absl::Status st = reader_.ReadRowGroup(group, rows); !st.ok()) {
      return absl::Status(st.code(), absl::StrCat(file_.name(), ": ", st.message()));
    }
    if (!rows->empty()) return absl::OkStatus();
  }
  rows->clear();
  return absl::OkStatus();
}

}  // namespace urlsweep
