// StringDictionary: the distinct values of one string column chunk, kept directly in their PLAIN
// encoding (4-byte little-endian length, then the bytes), which is the dictionary page's body. A hash set
// of entry ids indexes that buffer, so adding an entry costs no allocation of its own.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace urlsweep::parquet {

class StringDictionary {
 public:
  StringDictionary();
  StringDictionary(const StringDictionary&) = delete;  // the hash set points back at this object
  StringDictionary& operator=(const StringDictionary&) = delete;

  // The index of `value`, added as a new entry when absent (then *added is set).
  uint32_t Insert(std::string_view value, bool* added);
  uint32_t size() const { return static_cast<uint32_t>(starts_.size()); }
  std::string_view entry(uint32_t index) const {
    return std::string_view(plain_).substr(starts_[index], lengths_[index]);
  }
  // The dictionary page body.
  std::string_view plain() const { return plain_; }
  void Clear();

 private:
  struct Hash {
    using is_transparent = void;
    const StringDictionary* dictionary;
    size_t operator()(uint32_t index) const;
    size_t operator()(std::string_view value) const;
  };
  struct Eq {
    using is_transparent = void;
    const StringDictionary* dictionary;
    std::string_view View(uint32_t index) const { return dictionary->entry(index); }
    std::string_view View(std::string_view value) const { return value; }
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return View(a) == View(b);
    }
  };

  std::string plain_;
  std::vector<uint32_t> starts_;   // offset of each entry's bytes in plain_
  std::vector<uint32_t> lengths_;  // byte length of each entry
  absl::flat_hash_set<uint32_t, Hash, Eq> ids_;
};

}  // namespace urlsweep::parquet
