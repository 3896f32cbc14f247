#include "output/parquet/string_dictionary.h"

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace urlsweep::parquet {

namespace {
// A PLAIN byte array starts with its length as a 4-byte little-endian integer.
constexpr size_t kLengthPrefixBytes = 4;

// Abseil's own string hash: in this Abseil build absl::string_view is not std::string_view, and
// hashing a std::string_view would fall back to the slower std::hash.
size_t HashBytes(std::string_view value) {
  return absl::Hash<absl::string_view>()(absl::string_view(value.data(), value.size()));
}
}  // namespace

size_t StringDictionary::Hash::operator()(uint32_t index) const { return HashBytes(dictionary->entry(index)); }

size_t StringDictionary::Hash::operator()(std::string_view value) const { return HashBytes(value); }

StringDictionary::StringDictionary() : ids_(0, Hash{this}, Eq{this}) {}

uint32_t StringDictionary::Insert(std::string_view value, bool* added) {
  *added = false;
  auto it = ids_.lazy_emplace(value, [&](const auto& construct) {
    const uint32_t index = size();
    const uint32_t length = static_cast<uint32_t>(value.size());
    for (size_t i = 0; i < kLengthPrefixBytes; ++i) plain_.push_back(static_cast<char>(length >> (8 * i)));
    starts_.push_back(static_cast<uint32_t>(plain_.size()));
    lengths_.push_back(length);
    plain_.append(value);
    *added = true;
    construct(index);
  });
  return *it;
}

void StringDictionary::Clear() {
  ids_.clear();
  plain_.clear();
  starts_.clear();
  lengths_.clear();
}

}  // namespace urlsweep::parquet
