// ProgressPrinter: the progress on standard error while the scan runs, once a second and once more,
// final, when it ends: the line for people (--progress) or one JSON object a line for machines
// (--progress-json).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "scanner/config.h"
#include "scanner/scan_figures.h"

namespace urlsweep {

// Whether --progress (on, off, or auto: when standard error is a terminal) asks for the line.
bool ProgressWanted(const Config& config);

class ProgressPrinter {
 public:
  enum class Style { kLine, kJson };

  // How often the progress is printed.
  static constexpr auto kInterval = std::chrono::seconds(1);

  // Starts printing the figures of `figures`, which must outlive the printer.
  ProgressPrinter(const ScanFigures* figures, Style style);
  // Stops the thread and prints the final figures.
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

 private:
  void Loop();
  void Print(bool final);

  const ScanFigures* figures_;
  Style style_;
  bool tty_;
  uint64_t start_done_ = 0;
  uint64_t last_done_ = 0;
  double last_elapsed_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace urlsweep
