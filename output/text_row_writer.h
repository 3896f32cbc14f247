// TextRowWriter: what the CSV and JSON Lines writers share. Both encode each row into one reused scratch
// string and hand it to the OutputFile in batches of whole rows; they differ only in how a row is
// encoded (the RowEncoder each passes in) and in their preamble (Open). Flush and Close are the file's.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/row.h"
#include "output/output_file.h"
#include "output/row_writer.h"

namespace urlsweep {

class TextRowWriter : public RowWriter {
 public:
  // Appends one whole record of `row` to `out`, its line end included. Pure.
  using RowEncoder = void (*)(const Row& row, std::string* out);

  // Encodes the rows and hands them to the file in batches of about kHandOverBytes.
  absl::Status Write(absl::Span<const Row> rows) final;
  absl::Status Flush() final;
  // Flushes, fsyncs a regular file and closes the OutputFile (never standard output's descriptor).
  absl::Status Close() final;

 protected:
  // `file` must outlive the writer.
  TextRowWriter(OutputFile* file, RowEncoder encode_row);

  // Hands a preamble (the CSV header) to the file: `encode` appends it to the emptied scratch string.
  absl::Status WritePreamble(void (*encode)(std::string* out));

 private:
  // Encoded rows are handed to the OutputFile in batches of about this size: dozens of rows per call,
  // while the scratch string stays small enough to live in cache. Each batch is also what a write that
  // fails part-way (disk full) keeps whole or cuts off (OutputFile), so at most this much that would
  // have fitted is lost.
  static constexpr size_t kHandOverBytes = 16 * 1024;

  OutputFile* file_;
  RowEncoder encode_row_;
  // Rows are encoded here and handed to the file in batches; reused, so a warm writer never allocates.
  std::string scratch_;
};

}  // namespace urlsweep
