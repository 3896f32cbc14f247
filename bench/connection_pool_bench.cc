// The connection slot pool (scanner/connection.h): what taking a Connection for an attempt and giving it
// back costs once the pool is warm, alone and in bursts as wide as a loop's concurrency, and the memory a
// slot and its task hold before any buffer grows (part of S3's RSS per in-flight connection,
// bench/README.md).
#include <cstdint>
#include <vector>

#include "bench/alloc_count/malloc_counter.h"
#include "benchmark/benchmark.h"
#include "scanner/connection.h"
#include "core/row.h"
#include "scanner/task.h"

namespace urlsweep {
namespace {

// A connection that never opened goes back to the free list inside Close() (no handle to close), which
// is the pool's own cost without a socket.
void BM_AcquireClose(benchmark::State& state) {
  ConnectionPool pool;
  pool.Acquire()->Close();  // warm: one slot in the free list
  const uint64_t before = HeapAllocations();
  for (auto _ : state) {
    Connection* conn = pool.Acquire();
    benchmark::DoNotOptimize(conn);
    conn->Close();
  }
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(HeapAllocations() - before), benchmark::Counter::kAvgIterations);
  // Fixed memory per in-flight request before any string grows: a Connection slot and the Task (with
  // its Row and its response parser) that drives it. A slot's TLS state is allocated on its first https
  // connection, so it is not in connection_bytes.
  state.counters["connection_bytes"] = static_cast<double>(sizeof(Connection));
  state.counters["task_bytes"] = static_cast<double>(sizeof(Task));
  state.counters["row_bytes"] = static_cast<double>(sizeof(Row));
  state.counters["parser_bytes"] = static_cast<double>(sizeof(ResponseParser));
}
BENCHMARK(BM_AcquireClose);

// Arg: connections taken at once before all go back (a loop at -c Arg).
void BM_AcquireCloseBurst(benchmark::State& state) {
  const auto burst = static_cast<size_t>(state.range(0));
  ConnectionPool pool;
  std::vector<Connection*> held(burst);
  for (Connection*& conn : held) conn = pool.Acquire();
  for (Connection* conn : held) conn->Close();
  const uint64_t before = HeapAllocations();
  for (auto _ : state) {
    for (Connection*& conn : held) conn = pool.Acquire();
    for (Connection* conn : held) conn->Close();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * burst));
  state.counters["allocs/conn"] = benchmark::Counter(
      static_cast<double>(HeapAllocations() - before) / static_cast<double>(burst),
      benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_AcquireCloseBurst)->Arg(1024)->Arg(10000);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
