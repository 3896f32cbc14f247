#include "output/report/report_main.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/flag_tokenizer.h"
#include "core/options.h"
#include "core/output_format.h"
#include "core/text.h"
#include "output/report/html_report_writer.h"
#include "output/report/aggregate_results.h"
#include "output/output_file.h"

namespace urlsweep {
namespace {

constexpr char kUsage[] =
    "usage: urlsweep report RESULTS -o PATH [--format csv|jsonl|parquet]\n"
    "\n"
    "Reads one or more urlsweep result files (RESULTS: CSV, JSON Lines or Parquet, in any mix, such as the\n"
    "parts of a sharded run; each file's format comes from --format, else from its extension, else from its\n"
    "first bytes) and writes one self-contained HTML page about all their rows to PATH ('-' is standard\n"
    "output): totals, status classes and codes, error words by stage with example rows, latency\n"
    "percentiles and histograms per stage, the slowest hosts and URLs, throughput over time, redirects,\n"
    "servers and content types, the hosts with most errors, TLS verdicts and versions, and certificates\n"
    "that expired or expire within 30/90 days. The page loads nothing and needs no JavaScript; its numbers\n"
    "are also in <script type=\"application/json\" id=\"report-data\">.\n";

int Fail(std::string_view message) {
  std::fprintf(stderr, "urlsweep report: %.*s\n", static_cast<int>(message.size()), message.data());
  return 1;
}

enum class ReportFlag { kHelp, kOutput, kFormat };

constexpr FlagSpec kReportFlags[] = {
    {"help", 'h', false, static_cast<int>(ReportFlag::kHelp)},
    {"output", 'o', true, static_cast<int>(ReportFlag::kOutput)},
    {"format", 0, true, static_cast<int>(ReportFlag::kFormat)},
};

// The report takes its few flags only as "-o PATH", "--output PATH", "--output=PATH" (likewise --format,
// -h, --help): no "-oPATH", and "--" is not special.
constexpr FlagSyntax kReportSyntax = {.short_value_attached = false, .double_dash_ends_flags = false};

absl::Status WriteReport(const std::string& path, const std::string& html) {
  int fd = 1;
  if (path != "-") {
    fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return absl::ErrnoToStatus(errno, absl::StrCat("cannot open output '", path, "'"));
  }
  OutputFile file(fd, path == "-" ? "standard output" : path);
  if (absl::Status st = file.Append(html); !st.ok()) return st;
  return file.Close(/*sync=*/false);
}

}  // namespace

int ReportMain(int argc, char** argv) {
  // "-o -" into a closed pipe must be a clear EPIPE error from write(2), as in a scan.
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> inputs;
  std::string output;
  std::optional<OutputFormat> format;
  FlagTokenizer tokens(argc, argv, kReportFlags, kReportSyntax);
  FlagToken t;
  while (tokens.Next(&t)) {
    switch (t.kind) {
      case FlagToken::Kind::kOperand:
        inputs.push_back(std::string(t.text));
        continue;
      case FlagToken::Kind::kMissingValue:
        if (t.flag->id == static_cast<int>(ReportFlag::kFormat)) {
          return Fail("--format: missing csv, jsonl or parquet");
        }
        return Fail(absl::StrCat(ToAbsl(t.text), ": missing PATH"));
      case FlagToken::Kind::kEndOfFlags:  // not in kReportSyntax
      case FlagToken::Kind::kUnknownFlag:
      case FlagToken::Kind::kUnexpectedValue:
      case FlagToken::Kind::kShortFlagEquals:  // not in kReportSyntax
        return Fail(absl::StrCat("unknown flag '", ToAbsl(t.text), "' (see urlsweep report --help)"));
      case FlagToken::Kind::kFlag:
        break;
    }
    switch (static_cast<ReportFlag>(t.flag->id)) {
      case ReportFlag::kHelp:
        std::fputs(kUsage, stdout);
        return 0;
      case ReportFlag::kOutput:
        output = std::string(t.value);
        break;
      case ReportFlag::kFormat: {
        OutputFormat named;
        // Text lines are for people and carry too little to read back.
        if (!OutputFormatFromName(t.value, &named) || named == OutputFormat::kText) {
          return Fail(absl::StrCat("--format: expected csv, jsonl or parquet, got '", ToAbsl(t.value), "'"));
        }
        format = named;
        break;
      }
    }
  }
  if (inputs.empty()) return Fail("missing RESULTS (see urlsweep report --help)");
  if (output.empty()) return Fail("missing -o PATH for the HTML report");
  for (const std::string& input : inputs) {
    if (output == input && input != "-") return Fail("the report would overwrite its own input");
  }
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  absl::StatusOr<ReportData> data = AggregateResults(inputs, format, now_us);
  if (!data.ok()) return Fail(FromAbsl(data.status().message()));
  if (absl::Status st = WriteReport(output, HtmlReportWriter::Render(*data)); !st.ok())
    return Fail(FromAbsl(st.message()));
  return 0;
}

}  // namespace urlsweep
