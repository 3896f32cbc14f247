#include "scanner/progress_printer.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "scanner/stats.h"

namespace urlsweep {

bool ProgressWanted(const Config& config) {
  switch (config.progress) {
    case ProgressMode::kOn:
      return true;
    case ProgressMode::kOff:
      return false;
    case ProgressMode::kAuto:
      return isatty(2) != 0;
  }
  return false;
}

ProgressPrinter::ProgressPrinter(const ScanFigures* figures, Style style)
    : figures_(figures), style_(style), tty_(style == Style::kLine && isatty(2) != 0) {
  // Rows already in the output before a --resume are not part of this run's rate.
  start_done_ = figures_->Progress().done;
  last_done_ = start_done_;
  thread_ = std::thread([this] { Loop(); });
}

ProgressPrinter::~ProgressPrinter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Print(/*final=*/true);
}

void ProgressPrinter::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, kInterval, [&] { return stop_; })) Print(/*final=*/false);
}

void ProgressPrinter::Print(bool final) {
  ProgressSnapshot s = figures_->Progress();
  s.final = final;
  // Over the last interval; the final figure is over the whole run, this run's rows only.
  const uint64_t since = final ? start_done_ : last_done_;
  const double interval = s.elapsed_s - (final ? 0 : last_elapsed_);
  const uint64_t finished = s.done >= since ? s.done - since : 0;
  s.rate = interval > 0 ? static_cast<double>(finished) / interval : 0;
  last_done_ = s.done;
  last_elapsed_ = s.elapsed_s;
  const std::string line = style_ == Style::kJson ? FormatProgressJson(s) : FormatProgress(s);
  if (tty_) {
    // Redraw in place; the final line stays.
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace urlsweep
