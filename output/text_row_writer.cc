#include "output/text_row_writer.h"

#include <utility>

namespace urlsweep {

TextRowWriter::TextRowWriter(OutputFile* file, OutputCompression compression, ExtraColumns extra,
                             RowEncoder encode_row)
    : file_(file), extra_(std::move(extra)), encode_row_(encode_row) {
  if (compression != OutputCompression::kNone) sink_ = std::make_unique<CompressingSink>(compression, file);
}

absl::Status TextRowWriter::HandOver(std::string_view bytes) {
  return sink_ != nullptr ? sink_->Append(bytes) : file_->Append(bytes);
}

absl::Status TextRowWriter::Write(absl::Span<const Row> rows) {
  scratch_.clear();
  for (const Row& row : rows) {
    encode_row_(row, extra_, &scratch_);
    if (scratch_.size() >= kHandOverBytes) {
      if (absl::Status status = HandOver(scratch_); !status.ok()) return status;
      scratch_.clear();
    }
  }
  if (scratch_.empty()) return absl::OkStatus();
  return HandOver(scratch_);
}

absl::Status TextRowWriter::WritePreamble(void (*encode)(std::string* out, const ExtraColumns& extra)) {
  scratch_.clear();
  encode(&scratch_, extra_);
  return HandOver(scratch_);
}

absl::Status TextRowWriter::Flush() { return sink_ != nullptr ? sink_->Flush() : file_->Flush(); }

// Text rows pushed between checkpoints are the same bytes a flush writes: with compression, each push
// ends a gzip member or zstd frame, so the file stays valid at every offset the journal may record.
absl::Status TextRowWriter::Push() { return Flush(); }

absl::Status TextRowWriter::Close() { return sink_ != nullptr ? sink_->Close() : file_->Close(/*sync=*/true); }

}  // namespace urlsweep
