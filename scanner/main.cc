// urlsweep's command line: flags -> Config -> RunScan. No scanning logic lives here.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "output/report/report_main.h"
#include "output/writer.h"
#include "scanner/config.h"
#include "scanner/input_reader.h"
#include "scanner/journal.h"
#include "scanner/scan.h"
#include "scanner/stats.h"

namespace {

int Fatal(const absl::Status& status) {
  std::fprintf(stderr, "urlsweep: %s\n", std::string(status.message()).c_str());
  return 1;
}

const char* Getenv(const char* name) { return std::getenv(name); }

}  // namespace

int main(int argc, char** argv) {
  // An output that reaches the file-size limit (ulimit -f) must become a clear EFBIG error from
  // write(2), "File too large", not a silent death; for reports too.
  signal(SIGXFSZ, SIG_IGN);
  if (argc >= 2 && std::string_view(argv[1]) == "report") return urlsweep::ReportMain(argc - 1, argv + 1);
  // A closed standard output must become a clear EPIPE error from write(2), not a silent death.
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<urlsweep::ParsedArgs> parsed = urlsweep::ParseArgs(argc, argv, &Getenv);
  if (!parsed.ok()) return Fatal(parsed.status());
  switch (parsed->action) {
    case urlsweep::ParsedArgs::Action::kHelp:
      std::fputs(urlsweep::HelpText(), stdout);
      return 0;
    case urlsweep::ParsedArgs::Action::kVersion:
      std::printf("urlsweep %s\n", urlsweep::kVersion);
      return 0;
    case urlsweep::ParsedArgs::Action::kScan:
      break;
  }
  const urlsweep::Config& config = parsed->config;

  auto input = urlsweep::InputReader::Open(config.inputs);
  if (!input.ok()) return Fatal(input.status());
  // --ca-file and --exclude are read before the output is opened: a bad one leaves no file behind.
  absl::StatusOr<urlsweep::ScanSetup> setup = urlsweep::PrepareScan(config);
  if (!setup.ok()) return Fatal(setup.status());

  // Standard output cannot be resumed, so it keeps no journal; a file always does, so that a run stopped
  // in any way (kill -9 included) can be continued with --resume.
  const bool to_file = config.output != "-";
  const std::string journal_path = urlsweep::Journal::PathFor(config.output);
  urlsweep::RecoveredRun recovered;
  if (config.resume) {
    auto run = urlsweep::Journal::Recover(journal_path, config, input->get());
    if (!run.ok()) return Fatal(run.status());
    recovered = std::move(*run);
  }
  const bool append = recovered.existed && recovered.offset > 0;

  int fd = 1;
  if (to_file) {
    fd = open(config.output.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? 0 : O_TRUNC), 0644);
    if (fd < 0) {
      return Fatal(absl::InvalidArgumentError("cannot open output '" + config.output + "': " + std::strerror(errno)));
    }
  }
  urlsweep::OutputFile file(fd, to_file ? config.output : "standard output");
  std::unique_ptr<urlsweep::RowWriter> writer = urlsweep::MakeRowWriter(config, &file);
  if (append) {
    // Restore before cutting anything: a writer that cannot continue this file must leave it untouched.
    if (absl::Status st = writer->Restore(recovered.states); !st.ok()) return Fatal(st);
    // Cut a torn last row or an unfinished Parquet row group: the journal says where the good part ends.
    if (ftruncate(fd, recovered.offset) != 0 || lseek(fd, recovered.offset, SEEK_SET) < 0) {
      return Fatal(absl::InvalidArgumentError("cannot resume into '" + config.output + "': " + std::strerror(errno)));
    }
    file.set_start_offset(recovered.offset);
  }
  if (absl::Status st = writer->Open(append); !st.ok()) return Fatal(st);

  std::unique_ptr<urlsweep::Journal> journal;
  if (to_file) {
    auto j = recovered.existed ? urlsweep::Journal::Reopen(journal_path, input->get())
                               : urlsweep::Journal::Create(journal_path, config, input->get());
    if (!j.ok()) return Fatal(j.status());
    journal = std::move(*j);
  }

  urlsweep::ScanOutput output;
  output.writer = writer.get();
  output.file = &file;
  output.journal = journal.get();
  output.skip = recovered.existed ? &recovered.done : nullptr;
  output.setup = &*setup;
  absl::StatusOr<urlsweep::ScanOutcome> outcome = urlsweep::RunScan(config, input->get(), output);
  if (!outcome.ok()) {
    // Keep what was written readable (CSV/JSONL rows, Parquet row groups) before reporting.
    (void)writer->Close();
    return Fatal(outcome.status());
  }
  if (absl::Status st = writer->Close(); !st.ok()) return Fatal(st);
  if (config.summary) {
    std::string text = urlsweep::FormatSummary(outcome->stats, outcome->elapsed_s);
    std::fputs(text.c_str(), stderr);
  }
  // Stopped by SIGINT/SIGTERM: everything finished is written and the file is closed properly; the shell
  // convention 128 + signal tells scripts the run did not cover the whole input.
  if (outcome->stopped_by_signal != 0) return 128 + outcome->stopped_by_signal;
  return 0;
}
