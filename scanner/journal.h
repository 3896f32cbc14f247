// Journal: the crash-safety record kept beside an output file (<output>.urlsweep-journal), so that
// --resume after any stop, kill -9 included, continues the same run without losing or repeating a row,
// and refuses to continue anything else.
//
// It is an append-only file (format: scanner/journal_format.h). Its header records the run's identity
// (scanner/run_identity.h: the flags that decide which lines are scanned and what their rows hold, the
// inputs and their sizes). After each checkpoint (the writer flushed, its bytes are in the file) the
// output thread appends, in one write(2), one record: the input lines written since the previous one,
// the output's length, the writer's checkpoint state, and how many input bytes had been read then with
// their SHA-256. A kill leaves at worst a torn last record, which does not count.
//
// On --resume, before a byte of the output is cut or written: the whole journal is read and checked
// (every record's CRC), the identity compared, the input prefix the interrupted run had read read again
// and its digest compared; only then is the output cut back to the last committed length (dropping a
// torn last row or an unfinished Parquet row group) and the scan continued, the committed lines skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/options.h"
#include "scanner/input_reader.h"
#include "scanner/line_set.h"

namespace urlsweep {

struct RecoveredRun {
  int64_t offset = 0;               // the output's committed length
  std::vector<std::string> states;  // writer checkpoint states, oldest first
  LineSet done;                     // lines whose rows are in the committed part
  bool existed = false;             // a journal was found
};

class Journal {
 public:
  static std::string PathFor(const std::string& output) { return output + ".urlsweep-journal"; }

  // Starts a new journal for a fresh output (truncating an old one). Its header records the identity of
  // the run `config` asks for over `input`, whose position every checkpoint then records.
  static absl::StatusOr<std::unique_ptr<Journal>> Create(const std::string& path, const Config& config,
                                                         InputReader* input);

  // For --resume, before the output is touched. A missing journal with a missing or empty output is a
  // fresh start. Otherwise every check below must pass, or the run stops with one line naming what is
  // wrong, the output and the journal left as they are: an output without its journal; a journal that
  // is not urlsweep's, of an older format, or damaged; another flag or input than the interrupted run's
  // (the first difference named); an output shorter than the journal says; input whose first bytes,
  // as many as the interrupted run had read, differ from what it read. Reading those bytes again goes
  // through `input` (InputReader::ReadPrefix), which keeps the lines among them still to scan, so a
  // pipe is read once.
  static absl::StatusOr<RecoveredRun> Recover(const std::string& path, const Config& config,
                                              InputReader* input);

  // Continues a recovered journal: drops its torn tail and appends from there.
  static absl::StatusOr<std::unique_ptr<Journal>> Reopen(const std::string& path, InputReader* input);

  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Records a checkpoint: `lines` (any order; sorted in place) are in the output below `offset`.
  absl::Status Commit(std::vector<int64_t>* lines, int64_t offset, std::string_view state);

 private:
  Journal(int fd, std::string path, const InputReader* input) : fd_(fd), path_(std::move(path)), input_(input) {}
  int fd_;
  std::string path_;
  const InputReader* input_;
  std::string record_;
};

}  // namespace urlsweep
