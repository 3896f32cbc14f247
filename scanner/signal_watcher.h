// SignalWatcher: waits for SIGINT/SIGTERM on its own thread (they are blocked everywhere else), so the
// handling is plain code rather than async-signal-safe code. The first stops the scan gracefully, the
// second abandons what is in flight; both leave the rows already finished to be written. A third exits
// at once, for an output that no longer takes bytes (a pipe nobody reads) and so would never let the
// rows be written.
#pragma once

#include <signal.h>

#include <atomic>
#include <functional>
#include <thread>

namespace urlsweep {

// Blocks SIGINT, SIGTERM and SignalWatcher::kWakeSignal in the calling thread and in every thread it
// starts afterwards (threads inherit the mask): only the SignalWatcher ever receives them.
void BlockStopSignals();

class SignalWatcher {
 public:
  // Sent by the destructor to the watcher thread only; blocked in every thread (BlockStopSignals).
  static constexpr int kWakeSignal = SIGUSR1;

  // `on_first` runs on the watcher thread with the first SIGINT or SIGTERM, `on_second` with the second.
  SignalWatcher(std::function<void(int)> on_first, std::function<void(int)> on_second);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // The first stop signal received, 0 for none.
  int signal() const { return first_.load(); }

 private:
  void Loop();

  std::function<void(int)> on_first_;
  std::function<void(int)> on_second_;
  int received_ = 0;  // stop signals so far; the watcher thread's own
  std::atomic<bool> done_{false};
  std::atomic<int> first_{0};
  std::thread thread_;
};

}  // namespace urlsweep
