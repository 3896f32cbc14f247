#include "output/parquet/checkpoint_state.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "output/parquet/thrift_compact.h"

namespace urlsweep::parquet {

namespace {

// A ULEB128 varint of a 64-bit value takes at most 10 bytes.
constexpr int kMaxVarintBytes = 10;

// Reads the state's fields in order; the first failure sticks.
class StateReader {
 public:
  explicit StateReader(std::string_view bytes) : bytes_(bytes) {}

  bool done() const { return pos_ == bytes_.size(); }
  bool ok() const { return ok_; }

  uint8_t Byte() {
    if (!ok_ || pos_ >= bytes_.size()) return Fail<uint8_t>();
    return static_cast<uint8_t>(bytes_[pos_++]);
  }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int i = 0; i < kMaxVarintBytes; ++i) {
      if (!ok_ || pos_ >= bytes_.size()) return Fail<uint64_t>();
      const uint8_t b = static_cast<uint8_t>(bytes_[pos_++]);
      // The tenth byte may carry only the top bit of a 64-bit value.
      if (i == kMaxVarintBytes - 1 && b > 1) return Fail<uint64_t>();
      value |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) return value;
    }
    return Fail<uint64_t>();
  }

  std::string_view Bytes(uint64_t length) {
    if (!ok_ || length > bytes_.size() - pos_) return Fail<std::string_view>();
    const std::string_view out = bytes_.substr(pos_, static_cast<size_t>(length));
    pos_ += static_cast<size_t>(length);
    return out;
  }

 private:
  template <typename T>
  T Fail() {
    ok_ = false;
    return T{};
  }

  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

absl::Status Damaged(absl::string_view why) {
  return absl::DataLossError(absl::StrCat("the journal's Parquet checkpoint is damaged: ", why));
}

}  // namespace

void AppendRowGroupRecord(const RowGroupRecord& record, std::string* out) {
  if (out->empty()) out->push_back(static_cast<char>(kCheckpointStateVersion));
  ThriftCompactWriter::AppendVarint(static_cast<uint64_t>(record.num_rows), out);
  ThriftCompactWriter::AppendVarint(static_cast<uint64_t>(record.start), out);
  ThriftCompactWriter::AppendVarint(static_cast<uint64_t>(record.end), out);
  ThriftCompactWriter::AppendVarint(record.encoded.size(), out);
  out->append(record.encoded);
}

absl::Status ParseCheckpointState(std::string_view state, std::vector<RowGroupRecord>* out) {
  if (state.empty()) return absl::OkStatus();
  StateReader reader(state);
  const uint8_t version = reader.Byte();
  if (version != kCheckpointStateVersion) {
    return Damaged(absl::StrCat("version ", version, " (this urlsweep writes ", kCheckpointStateVersion, ")"));
  }
  constexpr uint64_t kMaxOffset = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  std::vector<RowGroupRecord> records;
  while (!reader.done()) {
    RowGroupRecord r;
    const uint64_t rows = reader.Varint();
    const uint64_t start = reader.Varint();
    const uint64_t end = reader.Varint();
    const uint64_t length = reader.Varint();
    const std::string_view encoded = reader.Bytes(length);
    if (!reader.ok()) return Damaged("it ends inside a row group record");
    if (rows == 0 || rows > kMaxOffset || start >= end || end > kMaxOffset || length == 0) {
      return Damaged("a row group record holds impossible numbers");
    }
    r.num_rows = static_cast<int64_t>(rows);
    r.start = static_cast<int64_t>(start);
    r.end = static_cast<int64_t>(end);
    r.encoded.assign(encoded);
    records.push_back(std::move(r));
  }
  for (RowGroupRecord& r : records) out->push_back(std::move(r));
  return absl::OkStatus();
}

}  // namespace urlsweep::parquet
