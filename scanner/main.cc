// urlsweep's command line: flags -> Config -> RunScan. No scanning logic lives here.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "output/report/report_main.h"
#include "output/writer.h"
#include "scanner/config.h"
#include "scanner/input_reader.h"
#include "scanner/run_output.h"
#include "scanner/scan.h"
#include "scanner/stats.h"

namespace {

int Fatal(const absl::Status& status) {
  std::fprintf(stderr, "urlsweep: %s\n", std::string(status.message()).c_str());
  return 1;
}

const char* Getenv(const char* name) { return std::getenv(name); }

// Exit status of a finished run in which a row matched --fail-on: 1 is taken by fatal errors, and
// 128 + N by signals.
constexpr int kExitRowMatched = 2;

}  // namespace

int main(int argc, char** argv) {
  // An output that reaches the file-size limit (ulimit -f) must become a clear EFBIG error from
  // write(2), "File too large", not a silent death; for reports too.
  signal(SIGXFSZ, SIG_IGN);
  if (argc >= 2 && std::string_view(argv[1]) == "report") return urlsweep::ReportMain(argc - 1, argv + 1);
  // A closed standard output must become a clear EPIPE error from write(2), not a silent death.
  signal(SIGPIPE, SIG_IGN);

  absl::StatusOr<urlsweep::ParsedArgs> parsed = urlsweep::ParseArgs(argc, argv, &Getenv, isatty(STDOUT_FILENO) != 0);
  if (!parsed.ok()) return Fatal(parsed.status());
  switch (parsed->action) {
    case urlsweep::ParsedArgs::Action::kHelp:
      std::fputs(urlsweep::HelpText().c_str(), stdout);
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

  absl::StatusOr<urlsweep::RunOutput> output = urlsweep::OpenRunOutput(config, input->get());
  if (!output.ok()) return Fatal(output.status());
  urlsweep::RowWriter* writer = output->writer.get();
  absl::StatusOr<urlsweep::ScanOutcome> outcome =
      urlsweep::RunScan(config, input->get(), output->ForScan(&*setup));
  if (!outcome.ok()) {
    // Keep what was written readable (CSV/JSONL rows, Parquet row groups) before reporting.
    (void)writer->Close();
    return Fatal(outcome.status());
  }
  // Standard output's reader went away (`urlsweep ... | head`): it has what it asked for. Closing
  // would only fail on the same pipe; the run ends quietly and successfully.
  if (outcome->reader_gone) {
    (void)writer->Close();
    return 0;
  }
  if (absl::Status st = writer->Close(); !st.ok()) return Fatal(st);
  if (config.summary) {
    std::string text = urlsweep::FormatSummary(outcome->stats, outcome->elapsed_s);
    std::fputs(text.c_str(), stderr);
  }
  // Stopped by SIGINT/SIGTERM: everything finished is written and the file is closed properly; the shell
  // convention 128 + signal tells scripts the run did not cover the whole input.
  if (outcome->stopped_by_signal != 0) {
    if (output->journal != nullptr) {
      const int64_t rows = outcome->rows_written + output->recovered.done.size();
      std::fprintf(stderr, "%s\n", urlsweep::FormatStopped(outcome->stopped_by_signal, config.output, rows).c_str());
    }
    return 128 + outcome->stopped_by_signal;
  }
  // --fail-on: the run finished, and a row is one the caller asked to hear about.
  if (urlsweep::AnyRowMatches(config.fail_on, outcome->stats)) return kExitRowMatched;
  return 0;
}
