// A test helper for the writers' failure paths: a write onto a full disk, simulated without one.
#pragma once

#include <signal.h>
#include <sys/resource.h>

namespace urlsweep {

// Lowers this process's file-size limit (ulimit -f) for its lifetime, with SIGXFSZ ignored as the CLI
// does, so that a write past it fails part-way with EFBIG, as a write onto a disk that fills up does
// with ENOSPC. Nothing else may write to a file while it is in force.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &lowered) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  bool ok() const { return ok_; }

 private:
  rlimit saved_{};
  sighandler_t previous_handler_;
  bool ok_ = false;
};

}  // namespace urlsweep
