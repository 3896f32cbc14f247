#include "scanner/signal_watcher.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include <utility>

namespace urlsweep {

void BlockStopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SignalWatcher::kWakeSignal);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

SignalWatcher::SignalWatcher(std::function<void(int)> on_first, std::function<void(int)> on_second)
    : on_first_(std::move(on_first)), on_second_(std::move(on_second)) {
  thread_ = std::thread([this] { Loop(); });
}

SignalWatcher::~SignalWatcher() {
  done_.store(true);
  // Wakes the wait at once: an empty scan would otherwise end up to one timeout late.
  pthread_kill(thread_.native_handle(), kWakeSignal);
  thread_.join();
}

void SignalWatcher::Loop() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, kWakeSignal);
  // The destructor wakes the wait with kWakeSignal; the timeout only bounds a wake that was lost.
  const timespec wait = {1, 0};
  while (!done_.load()) {
    int sig = sigtimedwait(&set, nullptr, &wait);
    if (sig <= 0 || sig == kWakeSignal) continue;
    ++received_;
    if (received_ == 1) {
      first_.store(sig);
      on_first_(sig);
    } else if (received_ == 2) {
      on_second_(sig);
    } else {
      // Third: the rows could not be written after two (the output blocks); exit without them, as
      // the first signal asked. The journal's last checkpoint still lets --resume continue the file.
      _exit(128 + first_.load());
    }
  }
}

}  // namespace urlsweep
