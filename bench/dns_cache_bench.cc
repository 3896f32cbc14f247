// DnsCache on the resolver's hot path: every Resolve of a known name is a Find, every answer an Insert.
#include <arpa/inet.h>

#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "dns/cache.h"

namespace urlsweep {
namespace {

std::vector<std::string> Names(int count) {
  std::vector<std::string> names;
  names.reserve(count);
  for (int i = 0; i < count; ++i) names.push_back("host-" + std::to_string(i) + ".example.com");
  return names;
}

DnsCache::Answer TwoAddresses() {
  DnsCache::Answer answer;
  DnsCache::Address v4;
  v4.family = AF_INET;
  inet_pton(AF_INET, "192.0.2.1", v4.bytes);
  DnsCache::Address v6;
  v6.family = AF_INET6;
  inet_pton(AF_INET6, "2001:db8::1", v6.bytes);
  answer.addresses = {v4, v6};
  return answer;
}

// A cache hit on a cache holding state.range(0) names.
void BM_FindHit(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  const std::vector<std::string> names = Names(count);
  DnsCache cache(count);
  for (const std::string& name : names) cache.Insert(name, TwoAddresses(), 300, 0);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cache.Find(names[i], 1));
    i = (i + 1) % names.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindHit)->Arg(1000)->Arg(100000);

void BM_FindMiss(benchmark::State& state) {
  const int count = static_cast<int>(state.range(0));
  DnsCache cache(count);
  for (const std::string& name : Names(count)) cache.Insert(name, TwoAddresses(), 300, 0);
  const std::string missing = "not-there.example.com";
  for (auto _ : state) benchmark::DoNotOptimize(cache.Find(missing, 1));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FindMiss)->Arg(100000);

// A full cache taking new names: every Insert evicts the least recently used.
void BM_InsertEvicting(benchmark::State& state) {
  const int capacity = static_cast<int>(state.range(0));
  const std::vector<std::string> names = Names(capacity * 2);
  DnsCache cache(capacity);
  const DnsCache::Answer answer = TwoAddresses();
  size_t i = 0;
  for (auto _ : state) {
    cache.Insert(names[i], answer, 300, 0);
    i = (i + 1) % names.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InsertEvicting)->Arg(1000)->Arg(100000);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
