// ParseUrl on the lines a scan typically reads: the per-line cost of the input stage, which runs once
// per URL before any I/O.
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "scanner/url.h"

namespace urlsweep {
namespace {

const std::vector<std::string>& AsciiLines() {
  static const std::vector<std::string> lines = {
      "http://example.com/",
      "https://www.example.org/",
      "example.net",
      "https://shop.example.co.uk/products/item-12345?ref=home&utm_source=newsletter",
      "http://192.0.2.17:8080/status",
      "https://[2001:db8::17]/",
      "HTTPS://API.Example.com/v2/users/42?fields=name,email#top",
      "http://cdn.example.com/assets/js/app.min.js?v=1699999999",
  };
  return lines;
}

void BM_ParseUrlAscii(benchmark::State& state) {
  const std::vector<std::string>& lines = AsciiLines();
  Target target;
  const char* detail = nullptr;
  size_t bytes = 0;
  for (auto _ : state) {
    for (const std::string& line : lines) {
      benchmark::DoNotOptimize(ParseUrl(line, &target, &detail));
      bytes += line.size();
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ParseUrlAscii);

void BM_ParseUrlNeedsEncoding(benchmark::State& state) {
  const std::string line = "http://example.com/search?q=caf\xc3\xa9 au lait&tag={x}";
  Target target;
  const char* detail = nullptr;
  for (auto _ : state) benchmark::DoNotOptimize(ParseUrl(line, &target, &detail));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseUrlNeedsEncoding);

// The slow path: libidn2 for a non-ASCII host name.
void BM_ParseUrlIdn(benchmark::State& state) {
  const std::string line = "https://b\xc3\xbc" "cher.example/katalog";
  Target target;
  const char* detail = nullptr;
  for (auto _ : state) benchmark::DoNotOptimize(ParseUrl(line, &target, &detail));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseUrlIdn);

void BM_StableHash(benchmark::State& state) {
  const std::string line = "https://shop.example.co.uk/products/item-12345?ref=home";
  for (auto _ : state) benchmark::DoNotOptimize(StableHash(line));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}
BENCHMARK(BM_StableHash);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
