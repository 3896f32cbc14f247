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

#include "absl/status/status.h"
#include "output/writer.h"
#include "scanner/config.h"
#include "scanner/input_reader.h"
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

  int fd = 1;
  if (config.output != "-") {
    fd = open(config.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      return Fatal(absl::InvalidArgumentError("cannot open output '" + config.output + "': " + std::strerror(errno)));
    }
  }
  urlsweep::OutputFile file(fd, config.output == "-" ? "standard output" : config.output);
  std::unique_ptr<urlsweep::RowWriter> writer = urlsweep::MakeRowWriter(config, &file);
  if (absl::Status st = writer->Open(/*append=*/false); !st.ok()) return Fatal(st);

  absl::StatusOr<urlsweep::ScanOutcome> outcome = urlsweep::RunScan(config, input->get(), writer.get());
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
