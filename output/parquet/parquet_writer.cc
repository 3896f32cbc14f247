#include "output/parquet/parquet_writer.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "output/parquet/checkpoint_state.h"
#include "output/parquet/column_writer.h"
#include "output/parquet/page_writer.h"
#include "output/parquet/parquet_metadata.h"
#include "output/parquet/row_schema.h"
#include "output/parquet/utf8_sanitizer.h"

namespace urlsweep {

namespace {

using parquet::ColumnChunkMetadata;
using parquet::ColumnSchema;
using parquet::ColumnWriter;
using parquet::ColumnWriterOptions;
using parquet::ColumnWriterState;
using parquet::PageWriter;
using parquet::PreparedColumnChunk;
using parquet::RowGroupRecord;

// The magic at both ends of a Parquet file.
constexpr std::string_view kMagic = "PAR1";
// Rows handed to the column writers at a time: enough to amortize a virtual call per column, few
// enough that the row group limits are checked often (a batch can overshoot them by at most this many
// rows).
constexpr size_t kAppendBatchRows = 1024;

class ParquetWriter final : public RowWriter {
 public:
  ParquetWriter(const Config& config, OutputFile* file, const ParquetWriterOptions& options)
      : file_(file),
        row_group_rows_(std::max<int64_t>(1, options.row_group_rows)),
        row_group_bytes_(std::max<int64_t>(1, options.row_group_bytes)),
        pages_(config.parquet_compression) {
    ColumnWriterOptions column_options;
    if (options.page_bytes > 0) column_options.page_bytes = options.page_bytes;
    if (options.max_dictionary_bytes > 0) column_options.max_dictionary_bytes = options.max_dictionary_bytes;
    columns_ = parquet::MakeRowColumnWriters(column_options, config.extra_columns);
    for (const auto& column : columns_) {
      schema_.push_back(column->schema());
      states_.push_back(column->InitializeState());
    }
    chunks_.resize(columns_.size());
    chunk_metadata_.resize(columns_.size());
    std::string flags;
    parquet::AppendSanitizedUtf8(config.flags_text, &flags);
    key_values_ = {{"urlsweep.version", kVersion}, {"urlsweep.flags", std::move(flags)}};
  }

  absl::Status Open(bool append) override {
    if (opened_) return absl::FailedPreconditionError("Parquet writer opened twice");
    if (append) {
      // The committed prefix must be exactly the magic and the restored row groups, back to back.
      if (file_->offset() != committed_end_) {
        return ResumeError(absl::StrCat("it is cut at byte ", file_->offset(), " but its row groups end at byte ",
                                        committed_end_));
      }
      opened_ = true;
      return absl::OkStatus();
    }
    opened_ = true;
    return Check(file_->Append(kMagic));
  }

  absl::Status Write(absl::Span<const Row> rows) override {
    if (absl::Status s = Usable(); !s.ok()) return s;
    while (!rows.empty()) {
      const size_t room = static_cast<size_t>(row_group_rows_ - buffered_rows_);
      const absl::Span<const Row> batch = rows.subspan(0, std::min({rows.size(), room, kAppendBatchRows}));
      for (size_t i = 0; i < columns_.size(); ++i) {
        buffered_bytes_ += static_cast<int64_t>(columns_[i]->Append(batch, states_[i].get()));
      }
      buffered_rows_ += static_cast<int64_t>(batch.size());
      rows.remove_prefix(batch.size());
      if (buffered_rows_ >= row_group_rows_ || buffered_bytes_ >= row_group_bytes_) {
        if (absl::Status s = EndRowGroup(); !s.ok()) return s;
      }
    }
    return absl::OkStatus();
  }

  absl::Status Flush() override {
    if (absl::Status s = Usable(); !s.ok()) return s;
    if (absl::Status s = EndRowGroup(); !s.ok()) return s;
    return Check(file_->Flush());
  }

  std::string CheckpointState() override { return std::exchange(pending_state_, std::string()); }

  absl::Status Restore(const std::vector<std::string>& states) override {
    if (opened_) return absl::FailedPreconditionError("Parquet writer restored after Open");
    std::vector<RowGroupRecord> records;
    for (const std::string& state : states) {
      if (absl::Status s = parquet::ParseCheckpointState(state, &records); !s.ok()) {
        return ResumeError(s.message());
      }
    }
    // Row groups follow the magic and each other without a gap: anything else is not this file's
    // history, and a footer pointing into it would make the file unreadable.
    int64_t end = static_cast<int64_t>(kMagic.size());
    for (const RowGroupRecord& record : records) {
      if (record.start != end) {
        return ResumeError(absl::StrCat("its journal lists a row group at byte ", record.start, ", expected ", end));
      }
      end = record.end;
    }
    for (RowGroupRecord& record : records) {
      encoded_row_groups_.push_back(std::move(record.encoded));
      row_group_ends_.push_back({record.end, record.num_rows});
      total_rows_ += record.num_rows;
    }
    committed_end_ = end;
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (closed_ && status_.ok()) return absl::OkStatus();
    if (!status_.ok()) return CloseAfterFailure();
    if (absl::Status s = Usable(); !s.ok()) return s;
    if (absl::Status s = EndRowGroup(); !s.ok()) return s;
    closed_ = true;
    if (absl::Status s = Check(file_->Append(Footer(encoded_row_groups_, total_rows_))); !s.ok()) return s;
    return Check(file_->Close(/*sync=*/true));
  }

 private:
  // The file metadata for `row_groups` holding `num_rows` rows, its length and the closing magic.
  std::string Footer(absl::Span<const std::string> row_groups, int64_t num_rows) const {
    std::string footer;
    parquet::EncodeFileMetadata(
        {.columns = schema_,
         .num_rows = num_rows,
         .encoded_row_groups = row_groups,
         .key_value_metadata = key_values_,
         .created_by = created_by_},
        &footer);
    const uint32_t length = static_cast<uint32_t>(footer.size());
    for (int i = 0; i < 4; ++i) footer.push_back(static_cast<char>(length >> (8 * i)));
    footer.append(kMagic);
    return footer;
  }

  // A write failed (disk full, file-size limit, EIO): end the file after the last row group that
  // reached it whole, with a footer for the row groups before it, so that it stays a readable Parquet
  // file of the rows written before the failure. The footer needs room too: if it cannot be written,
  // the file ends after that row group without one, and --resume (whose journal lists the row groups)
  // continues it. A pipe cannot be cut back, so it gets a footer only when nothing of a row group is
  // left half-sent. Returns the first failure whatever happens.
  absl::Status CloseAfterFailure() {
    if (!opened_ || closed_) return status_;
    closed_ = true;
    size_t whole = 0;
    int64_t end = static_cast<int64_t>(kMagic.size());
    int64_t rows = 0;
    while (whole < row_group_ends_.size() && row_group_ends_[whole].end <= file_->written()) {
      end = row_group_ends_[whole].end;
      rows += row_group_ends_[whole].num_rows;
      ++whole;
    }
    if (file_->CutTo(end).ok() &&
        file_->Append(Footer(absl::MakeConstSpan(encoded_row_groups_).subspan(0, whole), rows)).ok()) {
      (void)file_->Close(/*sync=*/true);
    }
    return status_;
  }

  // A failed write leaves a file with no valid footer; every later call reports the first failure.
  absl::Status Check(absl::Status status) {
    if (!status.ok() && status_.ok()) status_ = status;
    return status;
  }

  absl::Status Usable() const {
    if (!status_.ok()) return status_;
    if (!opened_) return absl::FailedPreconditionError("Parquet writer used before Open");
    if (closed_) return absl::FailedPreconditionError("Parquet writer used after Close");
    return absl::OkStatus();
  }

  absl::Status ResumeError(absl::string_view why) const {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot resume into '", file_->name(), "': ", why, "; not overwriting it"));
  }

  absl::Status EndRowGroup() {
    if (buffered_rows_ == 0) return absl::OkStatus();
    PrepareRowGroup();
    return FlushRowGroup();
  }

  // Encodes and compresses every column chunk of the buffered rows: CPU work, no I/O.
  void PrepareRowGroup() {
    for (size_t i = 0; i < columns_.size(); ++i) {
      columns_[i]->Prepare(states_[i].get(), &pages_, &chunks_[i]);
      states_[i]->Reset();
    }
  }

  // Writes the prepared chunks, rebasing their page offsets on the file offset, and keeps the row
  // group's footer entry already encoded.
  absl::Status FlushRowGroup() {
    const int64_t start = file_->offset();
    int64_t uncompressed = 0;
    int64_t compressed = 0;
    for (size_t i = 0; i < chunks_.size(); ++i) {
      const int64_t base = file_->offset();
      ColumnChunkMetadata& m = chunk_metadata_[i];
      m = std::move(chunks_[i].metadata);
      m.data_page_offset += base;
      if (m.dictionary_page_offset) *m.dictionary_page_offset += base;
      uncompressed += m.total_uncompressed_size;
      compressed += m.total_compressed_size;
      if (absl::Status s = Check(file_->Append(chunks_[i].bytes)); !s.ok()) return s;
    }
    RowGroupRecord record{.num_rows = buffered_rows_, .start = start, .end = file_->offset(), .encoded = {}};
    parquet::EncodeRowGroup({.columns = chunk_metadata_,
                             .num_rows = buffered_rows_,
                             .total_byte_size = uncompressed,
                             .total_compressed_size = compressed,
                             .file_offset = start,
                             .ordinal = static_cast<int64_t>(encoded_row_groups_.size())},
                            &record.encoded);
    parquet::AppendRowGroupRecord(record, &pending_state_);
    encoded_row_groups_.push_back(std::move(record.encoded));
    row_group_ends_.push_back({record.end, buffered_rows_});
    total_rows_ += buffered_rows_;
    buffered_rows_ = 0;
    buffered_bytes_ = 0;
    return absl::OkStatus();
  }

  OutputFile* file_;
  const int64_t row_group_rows_;
  const int64_t row_group_bytes_;
  PageWriter pages_;
  std::vector<std::unique_ptr<ColumnWriter>> columns_;
  std::vector<ColumnSchema> schema_;
  std::vector<std::unique_ptr<ColumnWriterState>> states_;
  std::vector<PreparedColumnChunk> chunks_;
  std::vector<ColumnChunkMetadata> chunk_metadata_;
  std::vector<std::pair<std::string, std::string>> key_values_;
  const std::string created_by_ = absl::StrCat("urlsweep version ", kVersion);
  std::vector<std::string> encoded_row_groups_;
  // Where each of encoded_row_groups_ ends in the file, and its rows: CloseAfterFailure keeps those
  // that reached the file whole.
  struct RowGroupEnd {
    int64_t end;
    int64_t num_rows;
  };
  std::vector<RowGroupEnd> row_group_ends_;
  // Row groups written since the last CheckpointState(), in its layout (checkpoint_state.h).
  std::string pending_state_;
  // Where the restored row groups end (just the magic when none): a resumed file must be cut there.
  int64_t committed_end_ = static_cast<int64_t>(kMagic.size());
  int64_t buffered_rows_ = 0;
  int64_t buffered_bytes_ = 0;
  int64_t total_rows_ = 0;
  bool opened_ = false;
  bool closed_ = false;
  absl::Status status_;
};

}  // namespace

std::unique_ptr<RowWriter> MakeParquetWriter(const Config& config, OutputFile* file) {
  return MakeParquetWriter(config, file, ParquetWriterOptions{});
}

std::unique_ptr<RowWriter> MakeParquetWriter(const Config& config, OutputFile* file,
                                             const ParquetWriterOptions& options) {
  return std::make_unique<ParquetWriter>(config, file, options);
}

}  // namespace urlsweep
