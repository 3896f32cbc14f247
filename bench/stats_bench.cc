// Per-row statistics (scanner/stats.h): every row a loop finishes goes through ScanStats::Add (counts
// and five latency histograms) for --summary and the progress line, so it runs once per URL on the loop
// thread. Measured on a mix of answered and failed rows, with its allocations per row (0: fixed memory).
#include <cstdint>
#include <vector>

#include "bench/alloc_count/malloc_counter.h"
#include "benchmark/benchmark.h"
#include "core/row.h"
#include "scanner/stats.h"

namespace urlsweep {
namespace {

std::vector<Row> Rows() {
  std::vector<Row> rows(1000);
  for (size_t i = 0; i < rows.size(); ++i) {
    Row& row = rows[i];
    row.line = static_cast<int64_t>(i + 1);
    row.attempts = 1;
    row.dns_ms = 0.5 + static_cast<double>(i % 40);
    if (i % 10 == 0) {
      row.error = ErrorCode::kDnsNxdomain;
      row.total_ms = *row.dns_ms;
      continue;
    }
    row.status = i % 10 == 1 ? 404 : (i % 10 == 2 ? 301 : 200);
    row.connect_ms = 1.25 + static_cast<double>(i % 300);
    row.ttfb_ms = 20.0 + static_cast<double>(i * 37 % 2000);
    row.total_ms = *row.ttfb_ms + *row.connect_ms + *row.dns_ms;
  }
  return rows;
}

void BM_StatsAdd(benchmark::State& state) {
  const std::vector<Row> rows = Rows();
  ScanStats stats;
  size_t i = 0;
  const uint64_t before = HeapAllocations();
  for (auto _ : state) {
    stats.Add(rows[i]);
    i = i + 1 == rows.size() ? 0 : i + 1;
  }
  benchmark::DoNotOptimize(stats.rows);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(HeapAllocations() - before), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_StatsAdd);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
