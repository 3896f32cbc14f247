// ParquetResultReader: a Parquet result (output/parquet/) back into Rows, one row group per batch. The
// file is mapped, not read: ParquetReader needs the footer at its end first, and the pages of each
// column chunk are then touched once.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "output/report/parquet_reader.h"
#include "output/report/input_file.h"
#include "output/report/result_reader.h"

namespace urlsweep {

class ParquetResultReader final : public ResultReader {
 public:
  // Maps `file` and reads its footer.
  static absl::StatusOr<std::unique_ptr<ParquetResultReader>> Open(InputFile file);

  absl::Status Next(std::vector<Row>* rows) override;

 private:
  ParquetResultReader(InputFile file, ParquetReader reader);

  InputFile file_;  // owns the mapping the reader views
  ParquetReader reader_;
  size_t next_group_ = 0;
};

}  // namespace urlsweep
