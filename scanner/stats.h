// Run statistics: what --summary prints at the end and what the progress line shows while scanning.
// Pure: no I/O, no clock. Each worker keeps its own ScanStats and the lead thread merges them, so nothing
// here is synchronised.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
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

// The figures of the progress line and of --progress-json at one moment.
struct ProgressSnapshot {
  uint64_t done = 0;       // rows finished, those already in the output before a --resume included
  uint64_t in_flight = 0;  // requests on the wire: past their host's turn and the --rate limit
  uint64_t queued = 0;     // URLs waiting for their host's turn (--per-host, Retry-After) or for --rate
  uint64_t errors = 0;     // rows of this run with an error
  int64_t total = -1;      // rows to expect, exact; -1 until the input is read to its end
  int64_t lines_read = 0;  // physical input lines read so far
  uint64_t input_bytes_read = 0;
  int64_t input_bytes = -1;  // the inputs' total size when every one is a plain regular file, else -1
  int64_t rows_seen = 0;     // rows to expect among the lines read so far (done ones included)
  bool stopped = false;      // a signal stopped the run: what is left will not be scanned
  bool final = false;        // the last snapshot, taken when the run ended
  double elapsed_s = 0;
  double rate = 0;  // URLs/s over the last interval (over the whole run in the final one)
};

// The rows the run will have finished at its end: `total` once known; before, `rows_seen` scaled by the
// share of the input's bytes read; none for input of unknown size, or once a signal stopped the run
// (what is left will not be scanned, so any total would be made up).
std::optional<double> ExpectedRows(const ProgressSnapshot& snapshot);
// done / ExpectedRows in percent (0 to 100), and the seconds left at the current rate (none in the final
// snapshot); when known.
std::optional<double> PercentDone(const ProgressSnapshot& snapshot);
std::optional<double> EtaSeconds(const ProgressSnapshot& snapshot);

// One line without '\n', e.g.
//   "12,345/100,000 done  12.3%  4,321/s  1,024 in flight  56 queued  56 errors  0:00:03 elapsed  ETA 0:00:20"
// The total is shown once known, as "~N" while it is an estimate from the bytes read; the percentage and
// the ETA only when ExpectedRows is known (the ETA also needs rate > 0).
std::string FormatProgress(const ProgressSnapshot& snapshot);

// The last line of a run stopped by `signal` (SIGINT or SIGTERM) whose output is the file `output`,
// without '\n': "urlsweep: stopped by SIGINT: out.csv holds 1,234 rows; the same command with --resume
// continues it". It names no flag of the command: those may carry secrets.
std::string FormatStopped(int signal, const std::string& output, int64_t rows);

// The same figures as one JSON object without '\n' (--progress-json): elapsed_s, lines_read,
// input_bytes_read, input_bytes (when known), rows, total (when exact), percent and eta_s (when known),
// errors, in_flight, queued, rate_per_s, then "stopped":true after a signal and "final":true last.
std::string FormatProgressJson(const ProgressSnapshot& snapshot);

}  // namespace urlsweep
