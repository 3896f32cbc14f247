// The descriptor budget: every connection and every c-ares socket is a file descriptor, so --concurrency
// must fit the open-file limit (RLIMIT_NOFILE).
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "scanner/config.h"

namespace urlsweep {

// Descriptors kept free of connections besides those already open when the scan starts: the input file,
// c-ares' sockets (a few per loop), libuv's own (epoll and eventfd per loop), files read while starting
// (CA bundle, resolv.conf, hosts), and slack for the rest.
inline constexpr uint64_t kReservedFds = 32;
inline constexpr uint64_t kReservedFdsPerLoop = 8;
// Below this many connections a scan would crawl, and the message about it would hide the real
// problem (a tiny limit, or descriptors leaked by whoever started us): refuse instead.
inline constexpr int kMinFittingConcurrency = 4;

// Raises the soft open-file limit to the hard one (massdns' set_open_file_limit_max), since -c 10000
// needs more than the usual soft limit of 1024. Returns the soft limit in force afterwards (0 if unknown).
uint64_t RaiseFileLimit();

// Descriptors the open-file limit leaves for connections once those already open (inherited ones too)
// and the reserve are taken off; `connections` is UINT64_MAX when there is no limit.
struct ConnectionRoom {
  uint64_t connections = 0;
  uint64_t open = 0;  // descriptors open when it was counted
};
ConnectionRoom RoomForConnections(int threads, uint64_t fd_limit);

// A connection is one descriptor, so --concurrency must fit `room`: the concurrency that fits. Says so
// on standard error when it lowers --concurrency; fails when what is left is too little to scan with.
absl::StatusOr<int> FittingConcurrency(const Config& config, int threads, uint64_t fd_limit,
                                       const ConnectionRoom& room);

// Connections, busy and idle, the loops may hold together at `concurrency`: the busy ones plus as many
// idle ones again, as far as `room` allows. Idle keep-alive connections beyond the busy ones are what
// lets a connection whose host is not the next URL's wait for its host's next URL instead of being
// closed to make room (with 64 hosts at -c 64, --per-host 8, nearly every second URL opened a
// connection when the idle ones had to fit within -c).
int ConnectionLimit(int concurrency, const ConnectionRoom& room);

}  // namespace urlsweep
