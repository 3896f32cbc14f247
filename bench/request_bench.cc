// Request serialisation (http/request.h): one GET per attempt into the connection's reused buffer, with
// the default headers alone and with a few -H headers and credentials, and its allocations per request
// (0 once the buffer has grown: STYLE rule 9).
#include <string>
#include <utility>
#include <vector>

#include "bench/alloc_count/malloc_counter.h"
#include "core/version.h"
#include "benchmark/benchmark.h"
#include "http/request.h"

namespace urlsweep {
namespace {

void Serialize(benchmark::State& state, const RequestSpec& spec) {
  std::string out;
  SerializeRequest(spec, &out);  // warm: the buffer reaches its size
  const uint64_t before = HeapAllocations();
  for (auto _ : state) {
    SerializeRequest(spec, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(HeapAllocations() - before), benchmark::Counter::kAvgIterations);
}

// RequestSpec holds views: the User-Agent texts live as long as the program. Built from the generated
// version, which no file but CMakeLists.txt writes.
const std::string kDefaultUserAgent = std::string("urlsweep/") + kVersion;
const std::string kBrowserLikeUserAgent =
    std::string("Mozilla/5.0 (compatible; urlsweep/") + kVersion + "; +https://example.org/bot)";

void BM_SerializeGet(benchmark::State& state) {
  RequestSpec spec;
  spec.target = "/products/category/item-12345?ref=homepage&utm_source=newsletter";
  spec.host = "www.example-shop.com";
  spec.user_agent = kDefaultUserAgent;
  Serialize(state, spec);
}
BENCHMARK(BM_SerializeGet);

void BM_SerializeWithHeaders(benchmark::State& state) {
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Accept-Language", "en-GB,en;q=0.8"},
      {"X-Scan-Id", "2026-11-29-run-0042"},
      {"Cookie", "consent=yes; region=eu"},
  };
  RequestSpec spec;
  spec.target = "/";
  spec.host = "[2001:db8::1]:8443";
  spec.user_agent = kBrowserLikeUserAgent;
  spec.extra_headers = &headers;
  spec.authorization = "Basic dXNlcjpwYXNzd29yZA==";
  Serialize(state, spec);
}
BENCHMARK(BM_SerializeWithHeaders);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
