// The output of one scan as the CLI opens it: the file (or standard output), fresh or resumed
// (--resume), its row writer, and the journal that makes a later --resume possible.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "output/writer.h"
#include "scanner/config.h"
#include "scanner/input_reader.h"
#include "scanner/journal.h"
#include "scanner/scan.h"

namespace urlsweep {

struct RunOutput {
  RecoveredRun recovered;              // what --resume found; existed is false for a fresh output
  std::unique_ptr<OutputFile> file;
  std::unique_ptr<RowWriter> writer;   // Open()ed; the caller Close()s it after the scan
  std::unique_ptr<Journal> journal;    // nullptr for standard output

  // Where RunScan writes, with the setup PrepareScan made.
  ScanOutput ForScan(const ScanSetup* setup);
};

// Opens config.output for writing rows. Standard output ("-") keeps no journal, since it cannot be
// resumed; a file always does, so that a run stopped in any way (kill -9 included) can be continued with
// --resume. With --resume and a journal, the writer is restored from it and the file cut back to its last
// committed checkpoint before writing goes on; the lines already written are in recovered.done. Fails
// with one message line naming the file; a writer that cannot continue the file leaves it untouched.
// The journal records `input`'s identity and reads its position at each checkpoint, so `input` must
// outlive the returned journal; with --resume it is checked (and its prefix re-read) before the output
// is touched.
absl::StatusOr<RunOutput> OpenRunOutput(const Config& config, InputReader* input);

}  // namespace urlsweep
