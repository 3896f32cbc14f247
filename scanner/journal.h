// Journal: the crash-safety record kept beside an output file (<output>.urlsweep-journal), so that
// --resume after any stop, kill -9 included, continues the run without losing or repeating a row.
//
// It is an append-only text file. After each checkpoint (the writer flushed, its bytes are in the file)
// the output thread appends, in one write(2):
//   L <ranges of input line numbers written since the previous checkpoint, e.g. 1-250,252,260-300>
//   C <output offset> <hex of the writer's checkpoint state>
// A record counts only once its C line is complete; a torn tail is ignored. On resume the output is cut
// back to the last committed offset (dropping a torn last row or an unfinished Parquet row group), the
// committed lines are skipped, and the writer continues from the committed state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "scanner/config.h"

namespace urlsweep {

// Input line numbers already written, as sorted disjoint ranges; queried with increasing line numbers.
class LineSet {
 public:
  void AddRange(int64_t first, int64_t last);
  // Sorts and merges after the ranges were added in any order.
  void Normalize();
  // Lines must be asked in increasing order (the input is read in order); amortised O(1).
  bool ContainsNext(int64_t line);
  int64_t size() const;

 private:
  std::vector<std::pair<int64_t, int64_t>> ranges_;
  size_t cursor_ = 0;
};

struct RecoveredRun {
  int64_t offset = 0;               // the output's committed length
  std::vector<std::string> states;  // writer checkpoint states, oldest first
  LineSet done;                     // lines whose rows are in the committed part
  bool existed = false;             // a journal was found
};

class Journal {
 public:
  static std::string PathFor(const std::string& output) { return output + ".urlsweep-journal"; }

  // Starts a new journal for a fresh output (truncating an old one).
  static absl::StatusOr<std::unique_ptr<Journal>> Create(const std::string& path, OutputFormat format);
  // Reads a journal for --resume. A missing journal with a missing or empty output is a fresh start; an
  // output without its journal, a journal of another format, or an output shorter than its journal says
  // is an error naming the file (a foreign or broken file is never overwritten).
  static absl::StatusOr<RecoveredRun> Recover(const std::string& path, const std::string& output,
                                              OutputFormat format);
  // Continues a recovered journal: drops its torn tail and appends from there.
  static absl::StatusOr<std::unique_ptr<Journal>> Reopen(const std::string& path, OutputFormat format);

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Records a checkpoint: `lines` (any order; sorted in place) are in the output below `offset`.
  absl::Status Commit(std::vector<int64_t>* lines, int64_t offset, std::string_view state);

 private:
  Journal(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
  std::string record_;
};

}  // namespace urlsweep
