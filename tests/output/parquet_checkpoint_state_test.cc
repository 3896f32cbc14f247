// The Parquet writer's checkpoint state (output/parquet/checkpoint_state.h): records round-trip, and a
// state cut or damaged anywhere is refused or read as whole records, never misread or crashed on.
#include "output/parquet/checkpoint_state.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace urlsweep::parquet {
namespace {

std::vector<RowGroupRecord> TwoRecords() {
  return {
      {.num_rows = 100'000, .start = 4, .end = 6'400'123, .encoded = std::string(300, '\x15') + '\0'},
      {.num_rows = 1,
       .start = 6'400'123,
       .end = std::numeric_limits<int64_t>::max(),
       .encoded = std::string(1, '\0')},
  };
}

bool Same(const RowGroupRecord& a, const RowGroupRecord& b) {
  return a.num_rows == b.num_rows && a.start == b.start && a.end == b.end && a.encoded == b.encoded;
}

TEST(ParquetCheckpointStateTest, RecordsRoundTrip) {
  std::string state;
  for (const RowGroupRecord& r : TwoRecords()) AppendRowGroupRecord(r, &state);
  EXPECT_EQ(static_cast<uint8_t>(state[0]), kCheckpointStateVersion);
  std::vector<RowGroupRecord> parsed;
  ASSERT_TRUE(ParseCheckpointState(state, &parsed).ok());
  ASSERT_EQ(parsed.size(), 2u);
  EXPECT_TRUE(Same(parsed[0], TwoRecords()[0]));
  EXPECT_TRUE(Same(parsed[1], TwoRecords()[1]));
  // States append to what earlier checkpoints gave.
  ASSERT_TRUE(ParseCheckpointState(state, &parsed).ok());
  EXPECT_EQ(parsed.size(), 4u);
}

TEST(ParquetCheckpointStateTest, EmptyStateHoldsNoRowGroup) {
  std::vector<RowGroupRecord> parsed;
  EXPECT_TRUE(ParseCheckpointState("", &parsed).ok());
  EXPECT_TRUE(parsed.empty());
}

TEST(ParquetCheckpointStateTest, EveryCutIsRefusedUnlessItEndsAWholeRecord) {
  std::string one;
  AppendRowGroupRecord(TwoRecords()[0], &one);
  std::string state = one;
  AppendRowGroupRecord(TwoRecords()[1], &state);
  for (size_t cut = 1; cut < state.size(); ++cut) {
    std::vector<RowGroupRecord> parsed;
    const absl::Status status = ParseCheckpointState(std::string_view(state).substr(0, cut), &parsed);
    if (cut == 1 || cut == one.size()) {
      EXPECT_TRUE(status.ok()) << cut;
      EXPECT_EQ(parsed.size(), cut == 1 ? 0u : 1u);
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << cut;
      EXPECT_TRUE(parsed.empty()) << "a refused state adds nothing, cut at " << cut;
    }
  }
}

TEST(ParquetCheckpointStateTest, DamagedBytesNeverYieldImpossibleRecords) {
  std::string state;
  for (const RowGroupRecord& r : TwoRecords()) AppendRowGroupRecord(r, &state);
  for (size_t i = 0; i < state.size(); ++i) {
    for (int value : {0x00, 0x01, 0x7F, 0x80, 0xFF}) {
      std::string damaged = state;
      damaged[i] = static_cast<char>(value);
      std::vector<RowGroupRecord> parsed;
      if (!ParseCheckpointState(damaged, &parsed).ok()) {
        EXPECT_TRUE(parsed.empty());
        continue;
      }
      for (const RowGroupRecord& r : parsed) {
        EXPECT_GT(r.num_rows, 0);
        EXPECT_LT(r.start, r.end);
        EXPECT_FALSE(r.encoded.empty());
      }
    }
  }
}

TEST(ParquetCheckpointStateTest, RefusesOtherVersionsAndOverlongVarints) {
  std::vector<RowGroupRecord> parsed;
  EXPECT_FALSE(ParseCheckpointState("\x02", &parsed).ok());
  // num_rows as an 11-byte varint.
  std::string overlong = "\x01";
  overlong += std::string(10, '\x80') + '\x01';
  EXPECT_FALSE(ParseCheckpointState(overlong, &parsed).ok());
  // A record whose end is not past its start.
  std::string backwards = "\x01";
  backwards += std::string("\x01\x10\x10\x01\x00", 5);
  EXPECT_FALSE(ParseCheckpointState(backwards, &parsed).ok());
  EXPECT_TRUE(parsed.empty());
}

}  // namespace
}  // namespace urlsweep::parquet
