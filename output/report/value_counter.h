// ValueCounter: how many rows hold each distinct text of a column (servers, media types, TLS verdicts,
// redirect targets), and the most frequent ones. Pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "output/report/report_data.h"

namespace urlsweep {

class ValueCounter {
 public:
  void Add(std::string_view value);

  // Rows counted, distinct values, and the `top` most frequent values (most rows first, then by byte
  // order of the value, as DuckDB's ORDER BY rows DESC, value). Clears the counter.
  ValueTally Finish(size_t top);

 private:
  int64_t rows_ = 0;
  absl::flat_hash_map<std::string, int64_t> counts_;
};

}  // namespace urlsweep
