#include "output/text_row_writer.h"

namespace urlsweep {

TextRowWriter::TextRowWriter(OutputFile* file, RowEncoder encode_row) : file_(file), encode_row_(encode_row) {}

absl::Status TextRowWriter::Write(absl::Span<const Row> rows) {
  scratch_.clear();
  for (const Row& row : rows) {
    encode_row_(row, &scratch_);
    if (scratch_.size() >= kHandOverBytes) {
      if (absl::Status status = file_->Append(scratch_); !status.ok()) return status;
      scratch_.clear();
    }
  }
  if (scratch_.empty()) return absl::OkStatus();
  return file_->Append(scratch_);
}

absl::Status TextRowWriter::WritePreamble(void (*encode)(std::string* out)) {
  scratch_.clear();
  encode(&scratch_);
  return file_->Append(scratch_);
}

absl::Status TextRowWriter::Flush() { return file_->Flush(); }

absl::Status TextRowWriter::Close() { return file_->Close(/*sync=*/true); }

}  // namespace urlsweep
