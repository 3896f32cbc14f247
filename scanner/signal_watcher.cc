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

SignalWatcher::SignalWatcher(std::function<void(int)> on_first) : on_first_(std::move(on_first)) {
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
    if (first_.load() != 0) {
      // Second signal: stop at once. The output may lack its last rows; --resume repairs it.
      _exit(128 + sig);
    }
    first_.store(sig);
    on_first_(sig);
  }
}

}  // namespace urlsweep
