// ProgressPrinter: the progress line (--progress) on standard error, once a second while the scan runs
// and once more, final, when it ends.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "scanner/config.h"
#include "scanner/worker.h"

namespace urlsweep {

// Whether --progress (on, off, or auto: when standard error is a terminal) asks for the line.
bool ProgressWanted(const Config& config);

class ProgressPrinter {
 public:
  // How often the progress line is redrawn.
  static constexpr auto kInterval = std::chrono::seconds(1);

  // Starts printing the counters of `workers`; `total` is the number of rows to expect, -1 until the
  // input is read to its end.
  ProgressPrinter(const std::vector<std::unique_ptr<Worker>>* workers, const std::atomic<int64_t>* total,
                  std::chrono::steady_clock::time_point start);
  // Stops the thread and prints the final line.
  ~ProgressPrinter();
  ProgressPrinter(const ProgressPrinter&) = delete;
  ProgressPrinter& operator=(const ProgressPrinter&) = delete;

 private:
  void Loop();
  void Print(bool final);

  const std::vector<std::unique_ptr<Worker>>* workers_;
  const std::atomic<int64_t>* total_;
  std::chrono::steady_clock::time_point start_;
  bool tty_;
  uint64_t last_done_ = 0;
  double last_elapsed_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace urlsweep
