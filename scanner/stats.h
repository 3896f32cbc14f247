// Run statistics: what --summary prints at the end and what the progress line shows while scanning.
// Pure: no I/O, no clock. Each worker keeps its own ScanStats and the lead thread merges them, so nothing
// here is synchronised.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/errors.h"
#include "core/options.h"
#include "core/row.h"

namespace urlsweep {

// Latency distribution in fixed memory (about 16 KiB): log-linear buckets, each power of two from 1 us
// split into kSubBuckets equal parts, so any reported percentile is within 1/(2 * kSubBuckets) < 1% of a
// recorded value between 1 us and 1 hour. Values below 1 us share one bucket; values above the range
// share the last one (max() stays exact).
class LatencyHistogram {
 public:
  // Records one duration in milliseconds. NaN is ignored; negative values count as 0.
  void Add(double ms);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // The nearest-rank percentile, p in [0, 100] (clamped), in milliseconds; 0 when empty. Percentile(0) is
  // min(), Percentile(100) is max().
  double Percentile(double p) const;
  double min() const { return count_ == 0 ? 0 : min_; }
  double max() const { return count_ == 0 ? 0 : max_; }

 private:
  // 64 linear parts per power of two: the bucket midpoint is within 1/128 (0.78%) of any value in it.
  static constexpr int kSubBuckets = 64;
  // 2^32 us is about 71.6 minutes: the range covers 1 us to over 1 hour.
  static constexpr int kOctaves = 32;
  static constexpr double kMinMs = 0.001;  // 1 us, the lower end of the precise range
  static constexpr int kBucketCount = 1 + kOctaves * kSubBuckets;

  static int BucketOf(double ms);
  static double BucketMid(int bucket);

  std::array<uint64_t, kBucketCount> buckets_{};
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

// Counts and latencies over the rows written so far.
struct ScanStats {
  // by_status has one slot per three-digit code; llhttp accepts no status outside 0..999.
  static constexpr int kStatusSlots = 1000;

  uint64_t rows = 0;
  std::array<uint64_t, kErrorCodeCount> by_error{};  // index = static_cast<int>(ErrorCode); kNone = no error
  std::array<uint64_t, kStatusSlots> by_status{};    // status 0..999
  uint64_t no_status = 0;                            // rows without a status (or, never seen, out of range)
  LatencyHistogram dns, connect, tls, ttfb, total;   // only present values are added

  void Add(const Row& row);
  void Merge(const ScanStats& other);
};

// --fail-on: whether any row counted in `stats` has an error or a status `fail_on` names.
bool AnyRowMatches(const FailOn& fail_on, const ScanStats& stats);

// The --summary text: several lines, each ending in '\n':
//   rows; counts by status class and by status code (most frequent first); counts by error word (most
//   frequent first); p50/p90/p99/max per stage in ms; elapsed time; URLs per second.
std::string FormatSummary(const ScanStats& stats, double elapsed_s);

struct ProgressSnapshot {
  uint64_t done = 0;
  uint64_t in_flight = 0;
  uint64_t errors = 0;
  int64_t total = -1;  // -1 = unknown (standard input, or the input not counted yet)
  double elapsed_s = 0;
  double rate = 0;  // URLs/s over the last interval
};

// One line without '\n', e.g.
//   "12,345/100,000 done  4,321/s  1,024 in flight  56 errors  0:00:03 elapsed  ETA 0:00:20"
// The total appears only when known; the ETA only when the total is known and rate > 0.
std::string FormatProgress(const ProgressSnapshot& snapshot);

// The last line of a run stopped by `signal` (SIGINT or SIGTERM) whose output is the file `output`,
// without '\n': "urlsweep: stopped by SIGINT: out.csv holds 1,234 rows; the same command with --resume
// continues it". It names no flag of the command: those may carry secrets.
std::string FormatStopped(int signal, const std::string& output, int64_t rows);

}  // namespace urlsweep
