// ReportAggregator: folds rows, one at a time, into the numbers of a report (ReportData). Pure: no I/O,
// no clock (the caller passes "now" for the one case that needs it).
//
// Memory: percentiles are exact, so every present duration is kept (8 bytes per stage per row), and the
// completion time of every timed row (8 bytes); plus one entry per distinct host. About 50 bytes per
// row in all: a 10-million-row result needs about 500 MB.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "output/report/report_data.h"
#include "core/row.h"

namespace urlsweep {

class ReportAggregator {
 public:
  // Hosts listed under "most errors": a screenful; the JSON block carries the same list.
  static constexpr size_t kTopErrorHosts = 20;
  // Throughput buckets: enough for a readable curve, few enough that each bar is a few pixels wide.
  static constexpr int64_t kMaxTimelineBuckets = 120;
  // Certificates listed as expired or expiring: the counts cover all; the list shows the most urgent.
  static constexpr size_t kMaxListedCerts = 50;
  // "Expires within 30 / 90 days", in microseconds.
  static constexpr int64_t kDay = int64_t{86'400} * 1'000'000;
  static constexpr int64_t kSoonDays = 30;
  static constexpr int64_t kLaterDays = 90;

  void Add(const Row& row);

  // The report. `now_us` is the TLS reference time only when no row has a started_at (otherwise the
  // last started_at is: a report of an old file judges expiry as of its scan, the same on every run).
  ReportData Finish(int64_t now_us);

 private:
  struct HostTally {
    int64_t rows = 0;
    int64_t errors = 0;
    // Error words of this host and their counts: most hosts fail in one or two ways.
    absl::InlinedVector<std::pair<ErrorCode, int64_t>, 2> words;
    std::optional<int64_t> not_after_us;
  };

  ReportData data_;
  std::array<std::vector<double>, kStageColumns.size()> stage_values_;
  std::vector<int64_t> end_times_us_;
  std::optional<int64_t> last_start_us_;
  absl::flat_hash_map<std::string, HostTally> hosts_;
};

}  // namespace urlsweep
