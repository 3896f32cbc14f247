// The Parquet writer's crash-safety state (RowWriter::CheckpointState, row_writer.h): what a resumed run
// needs, besides the file's committed bytes, to write a footer covering the row groups already in the
// file. Each checkpoint carries the row groups written since the previous one, each with its footer
// entry (the parquet.thrift RowGroup, Thrift compact, exactly as the footer lists it), its row count
// and the byte range it occupies. Pure: bytes in, records out; a state it cannot read is an error,
// never a crash (the journal holding it is a file a user can damage).
//
// Layout of one non-empty state (integers are ULEB128 varints, as in Thrift compact):
//   version byte kCheckpointStateVersion, then per row group:
//   num_rows, start offset, end offset, length of the RowGroup bytes, the RowGroup bytes.
// A checkpoint without new row groups has the empty state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace urlsweep::parquet {

// One row group a checkpoint committed.
struct RowGroupRecord {
  int64_t num_rows = 0;
  int64_t start = 0;     // file offset of the row group's first byte
  int64_t end = 0;       // file offset just past its last byte
  std::string encoded;   // its parquet.thrift RowGroup, Thrift compact (stop byte included)
};

// Bumped whenever the layout or the schema the RowGroup entries describe changes, so a resume by a
// different urlsweep refuses the file instead of writing a footer that contradicts its row groups.
inline constexpr uint8_t kCheckpointStateVersion = 1;

// Appends `record` to the state *out (starting it with the version byte when empty).
void AppendRowGroupRecord(const RowGroupRecord& record, std::string* out);

// Appends the records of `state` to *out. Fails, leaving *out unchanged, on a wrong version, a
// truncated or overlong field, or a record whose numbers cannot describe a row group.
absl::Status ParseCheckpointState(std::string_view state, std::vector<RowGroupRecord>* out);

}  // namespace urlsweep::parquet
