#include "scanner/fd_budget.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// Descriptors open now: standard streams, the output and its journal, and whatever the parent left
// open for us to inherit (a shell's `exec 3<file`, a supervisor's sockets). They count against the same
// limit as connections. /proc/self/fd lists them; without /proc, each number below the limit is probed.
uint64_t OpenDescriptors(uint64_t fd_limit) {
  if (DIR* dir = opendir("/proc/self/fd")) {
    uint64_t count = 0;
    while (dirent* entry = readdir(dir)) {
      if (entry->d_name[0] != '.') ++count;
    }
    closedir(dir);
    // The listing's own descriptor was open while it was read.
    return count > 0 ? count - 1 : 0;
  }
  // Probing costs a system call per number: bounded, since a hard limit can be in the millions.
  constexpr uint64_t kMaxProbedFds = 1 << 16;
  uint64_t count = 0;
  const int top = static_cast<int>(std::min(fd_limit == 0 ? kMaxProbedFds : fd_limit, kMaxProbedFds));
  for (int fd = 0; fd < top; ++fd) {
    if (fcntl(fd, F_GETFD) != -1) ++count;
  }
  return count;
}

}  // namespace

uint64_t RaiseFileLimit() {
  rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? 0 : static_cast<uint64_t>(lim.rlim_cur);
}

ConnectionRoom RoomForConnections(int threads, uint64_t fd_limit) {
  ConnectionRoom room;
  if (fd_limit == 0) {
    room.connections = UINT64_MAX;
    return room;
  }
  room.open = OpenDescriptors(fd_limit);
  const uint64_t reserved = room.open + kReservedFds + kReservedFdsPerLoop * static_cast<uint64_t>(threads);
  room.connections = fd_limit > reserved ? fd_limit - reserved : 0;
  return room;
}

absl::StatusOr<int> FittingConcurrency(const Config& config, int threads, uint64_t fd_limit,
                                       const ConnectionRoom& room) {
  if (room.connections >= static_cast<uint64_t>(config.concurrency)) return config.concurrency;
  // Every loop holds at least one connection slot (RunScan), so fewer than `threads` cannot be kept.
  if (room.connections < static_cast<uint64_t>(std::max(kMinFittingConcurrency, threads))) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the open-file limit of ", fd_limit, " leaves room for ", room.connections, " connections (", room.open,
        " descriptors already open, ", kReservedFds + kReservedFdsPerLoop * static_cast<uint64_t>(threads),
        " kept for files, DNS and event loops); raise it with ulimit -n or close inherited descriptors"));
  }
  const int fitting = static_cast<int>(room.connections);
  std::fprintf(stderr,
               "urlsweep: --concurrency %d lowered to %d to fit the open-file limit of %llu (%llu descriptors "
               "already open; raise it with ulimit -n)\n",
               config.concurrency, fitting, static_cast<unsigned long long>(fd_limit),
               static_cast<unsigned long long>(room.open));
  return fitting;
}

int ConnectionLimit(int concurrency, const ConnectionRoom& room) {
  const uint64_t wanted = 2 * static_cast<uint64_t>(concurrency);
  return static_cast<int>(
      std::max<uint64_t>(static_cast<uint64_t>(concurrency), std::min(wanted, room.connections)));
}

}  // namespace urlsweep
