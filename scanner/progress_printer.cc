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

ProgressPrinter::ProgressPrinter(const std::vector<std::unique_ptr<Worker>>* workers,
                                 const std::atomic<int64_t>* total, std::chrono::steady_clock::time_point start)
    : workers_(workers), total_(total), start_(start), tty_(isatty(2) != 0) {
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
  ProgressSnapshot s;
  for (const auto& w : *workers_) {
    s.done += w->counters().done.load(std::memory_order_relaxed);
    s.errors += w->counters().errors.load(std::memory_order_relaxed);
    s.in_flight += w->counters().in_flight.load(std::memory_order_relaxed);
  }
  s.total = total_->load(std::memory_order_relaxed);
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double interval = s.elapsed_s - last_elapsed_;
  s.rate = interval > 0 ? static_cast<double>(s.done - last_done_) / interval : 0;
  if (final) s.rate = s.elapsed_s > 0 ? static_cast<double>(s.done) / s.elapsed_s : 0;
  last_done_ = s.done;
  last_elapsed_ = s.elapsed_s;
  std::string line = FormatProgress(s);
  if (tty_) {
    // Redraw in place; the final line stays.
    std::fprintf(stderr, "\r%s\x1b[K%s", line.c_str(), final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace urlsweep
