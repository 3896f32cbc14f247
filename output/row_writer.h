// RowWriter: the one interface through which rows leave urlsweep. One implementation per format
// (csv_writer.h, jsonl_writer.h, parquet/parquet_writer.h); MakeRowWriter (writer.h) picks one. Writers
// never include uv.h: they run on the output thread, never on a loop thread, so their blocking file
// writes never stall a scan loop.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "core/row.h"

namespace urlsweep {

class RowWriter {
 public:
  virtual ~RowWriter() = default;

  // Writes the format's preamble (CSV header, Parquet magic). Called once, before any Write.
  // `append` is true when resuming into an existing file whose valid prefix ends at the current offset
  // (no header is written again).
  virtual absl::Status Open(bool append) = 0;
  // Encodes rows and buffers them; may write to the file when its buffer fills.
  virtual absl::Status Write(absl::Span<const Row> rows) = 0;
  // Pushes everything buffered to the file (for Parquet: closes the current row group, if any).
  virtual absl::Status Flush() = 0;
  // Flushes and finishes the file (Parquet footer). Does not close a standard output fd.
  virtual absl::Status Close() = 0;

  // Crash safety (--resume). After Flush() the file's bytes up to OutputFile::offset() are a prefix a
  // resumed run can continue from; CheckpointState() returns what such a run needs besides those bytes,
  // accumulated since the previous call (Parquet: the metadata of the row groups flushed since; the text
  // formats need nothing). The scanner journals it beside the output.
  virtual std::string CheckpointState() { return {}; }
  // Before Open(/*append=*/true): the states of every committed checkpoint, oldest first.
  virtual absl::Status Restore(const std::vector<std::string>& states) {
    (void)states;
    return absl::OkStatus();
  }
};

}  // namespace urlsweep
