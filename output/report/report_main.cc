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
#include "output/report/report_aggregator.h"
#include "output/report/result_reader.h"
#include "output/writer.h"

namespace urlsweep {
namespace {

constexpr char kUsage[] =
    "usage: urlsweep report RESULTS -o PATH [--format csv|jsonl|parquet]\n"
    "\n"
    "Reads a urlsweep result file (CSV, JSON Lines or Parquet; the format comes from --format, else from\n"
    "the extension, else from the file's first bytes) and writes one self-contained HTML page to PATH\n"
    "('-' is standard output): totals, status classes, error words by stage, latency percentiles and\n"
    "histograms per stage, throughput over time, the hosts with most errors, and TLS certificates that\n"
    "expired or expire within 30/90 days. The page loads nothing and needs no JavaScript; its numbers are\n"
    "also in <script type=\"application/json\" id=\"report-data\">.\n";

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
  std::string input;
  std::string output;
  std::optional<OutputFormat> format;
  FlagTokenizer tokens(argc, argv, kReportFlags, kReportSyntax);
  FlagToken t;
  while (tokens.Next(&t)) {
    switch (t.kind) {
      case FlagToken::Kind::kOperand:
        if (!input.empty()) {
          return Fail(absl::StrCat("one result file only, got '", input, "' and '", ToAbsl(t.text), "'"));
        }
        input = std::string(t.text);
        continue;
      case FlagToken::Kind::kMissingValue:
        if (t.flag->id == static_cast<int>(ReportFlag::kFormat)) {
          return Fail("--format: missing csv, jsonl or parquet");
        }
        return Fail(absl::StrCat(ToAbsl(t.text), ": missing PATH"));
      case FlagToken::Kind::kEndOfFlags:  // not in kReportSyntax
      case FlagToken::Kind::kUnknownFlag:
      case FlagToken::Kind::kUnexpectedValue:
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
        if (!OutputFormatFromName(t.value, &named)) {
          return Fail(absl::StrCat("--format: expected csv, jsonl or parquet, got '", ToAbsl(t.value), "'"));
        }
        format = named;
        break;
      }
    }
  }
  if (input.empty()) return Fail("missing RESULTS (see urlsweep report --help)");
  if (output.empty()) return Fail("missing -o PATH for the HTML report");
  if (output == input && input != "-") return Fail("the report would overwrite its own input");

  if (!format) {
    absl::StatusOr<OutputFormat> detected = DetectResultFormat(input);
    if (!detected.ok()) return Fail(FromAbsl(detected.status().message()));
    format = *detected;
  }
  absl::StatusOr<std::unique_ptr<ResultReader>> reader = OpenResultReader(input, *format);
  if (!reader.ok()) return Fail(FromAbsl(reader.status().message()));

  ReportAggregator aggregator;
  std::vector<Row> rows;
  while (true) {
    if (absl::Status st = (*reader)->Next(&rows); !st.ok()) return Fail(FromAbsl(st.message()));
    if (rows.empty()) break;
    for (const Row& row : rows) aggregator.Add(row);
  }
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  ReportData data = aggregator.Finish(now_us);
  data.source = input == "-" ? "standard input" : input;
  data.format = std::string(OutputFormatName(*format));
  if (absl::Status st = WriteReport(output, HtmlReportWriter::Render(data)); !st.ok())
    return Fail(FromAbsl(st.message()));
  return 0;
}

}  // namespace urlsweep
