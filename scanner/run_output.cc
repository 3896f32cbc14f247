#include "scanner/run_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace urlsweep {

ScanOutput RunOutput::ForScan(const ScanSetup* setup) {
  ScanOutput output;
  output.writer = writer.get();
  output.file = file.get();
  output.journal = journal.get();
  output.skip = recovered.existed ? &recovered.done : nullptr;
  output.setup = setup;
  return output;
}

absl::StatusOr<RunOutput> OpenRunOutput(const Config& config, InputReader* input) {
  RunOutput out;
  const bool to_file = config.output != "-";
  // A device or a named pipe (-o /dev/null, -o fifo) is written like standard output: it cannot be cut
  // back or read again, so it keeps no journal beside it (none in /dev) and cannot be resumed.
  struct stat existing {};
  const bool special = to_file && stat(config.output.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode);
  if (special && config.resume) {
    return absl::InvalidArgumentError("--resume: '" + config.output +
                                      "' is not a regular file; only a file output can be resumed");
  }
  const std::string journal_path = Journal::PathFor(config.output);
  if (config.resume) {
    auto run = Journal::Recover(journal_path, config, input);
    if (!run.ok()) return run.status();
    out.recovered = std::move(*run);
  }
  const RecoveredRun& recovered = out.recovered;
  const bool append = recovered.existed && recovered.offset > 0;

  int fd = 1;
  if (to_file) {
    fd = open(config.output.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? 0 : O_TRUNC), 0644);
    if (fd < 0) {
      return absl::InvalidArgumentError("cannot open output '" + config.output + "': " + std::strerror(errno));
    }
  }
  out.file = std::make_unique<OutputFile>(fd, to_file ? config.output : "standard output");
  out.writer = MakeRowWriter(config, out.file.get());
  if (append) {
    // Restore before cutting anything: a writer that cannot continue this file must leave it untouched.
    if (absl::Status st = out.writer->Restore(recovered.states); !st.ok()) return st;
    // Cut a torn last row or an unfinished Parquet row group: the journal says where the good part ends.
    if (ftruncate(fd, recovered.offset) != 0 || lseek(fd, recovered.offset, SEEK_SET) < 0) {
      return absl::InvalidArgumentError("cannot resume into '" + config.output + "': " + std::strerror(errno));
    }
    out.file->set_start_offset(recovered.offset);
  }
  if (absl::Status st = out.writer->Open(append); !st.ok()) return st;

  if (to_file && !special) {
    auto j = recovered.existed ? Journal::Reopen(journal_path, input)
                               : Journal::Create(journal_path, config, input);
    if (!j.ok()) return j.status();
    out.journal = std::move(*j);
  }
  return out;
}

}  // namespace urlsweep
