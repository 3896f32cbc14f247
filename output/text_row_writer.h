// TextRowWriter: what the CSV and JSON Lines writers share. Both encode each row into one reused scratch
// string and hand it to the OutputFile in batches of whole rows; they differ only in how a row is
// encoded (the RowEncoder each passes in) and in their preamble (Open). Flush and Close are the file's, or,
// for a compressed output, those of the CompressingSink in front of it.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/output_format.h"
#include "core/row.h"
#include "output/compressing_sink.h"
#include "output/output_file.h"
#include "output/row_writer.h"

namespace urlsweep {

class TextRowWriter : public RowWriter {
 public:
  // Appends one whole record of `row` with the run's `extra` columns to `out`, its line end included. Pure.
  using RowEncoder = void (*)(const Row& row, const ExtraColumns& extra, std::string* out);

  // Encodes the rows and hands them to the file in batches of about kHandOverBytes.
  absl::Status Write(absl::Span<const Row> rows) final;
  // Compressed: also ends the current gzip member / zstd frame, so the file ends at a whole one.
  absl::Status Flush() final;
  // The same as Flush(): the text formats' rows are whole as soon as they are encoded.
  absl::Status Push() final;
  // Flushes, fsyncs a regular file and closes the OutputFile (never standard output's descriptor).
  absl::Status Close() final;

 protected:
  // `file` must outlive the writer. With a compression other than kNone, the encoded bytes go through a
  // CompressingSink of the writer's own.
  TextRowWriter(OutputFile* file, OutputCompression compression, ExtraColumns extra, RowEncoder encode_row);

  // Hands a preamble (the CSV header) to the file: `encode` appends it to the emptied scratch string.
  absl::Status WritePreamble(void (*encode)(std::string* out, const ExtraColumns& extra));

 private:
  // Encoded rows are handed to the OutputFile in batches of about this size: dozens of rows per call,
  // while the scratch string stays small enough to live in cache. Each batch is also what a write that
  // fails part-way (disk full) keeps whole or cuts off (OutputFile), so at most this much that would
  // have fitted is lost.
  static constexpr size_t kHandOverBytes = 16 * 1024;

  // Hands encoded bytes to the sink or, uncompressed, to the file.
  absl::Status HandOver(std::string_view bytes);

  OutputFile* file_;
  std::unique_ptr<CompressingSink> sink_;  // nullptr when the output is not compressed
  ExtraColumns extra_;
  RowEncoder encode_row_;
  // Rows are encoded here and handed to the file in batches; reused, so a warm writer never allocates.
  std::string scratch_;
};

}  // namespace urlsweep
