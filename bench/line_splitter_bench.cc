// Input line splitting (scanner/line_splitter.h): how fast a URL list is cut into numbered, trimmed lines
// when read in 64 KiB chunks (as InputReader reads files) and in small pipe-sized pieces, and its
// allocations per line (0 once warm: InputLine's string capacity is swapped, not reallocated).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "bench/alloc_count/malloc_counter.h"
#include "benchmark/benchmark.h"
#include "scanner/line_splitter.h"

namespace urlsweep {
namespace {

// Lines per measured pass: a few MiB of input, so the chunking is realistic.
constexpr int kLines = 50000;

// A URL list as users write them: mostly bare URLs, some CRLF line ends, indentation, comments, blanks.
const std::string& Input() {
  static const std::string input = [] {
    std::string text;
    for (int i = 0; i < kLines; ++i) {
      if (i % 50 == 0) absl::StrAppend(&text, "# batch ", i / 50, "\n");
      if (i % 97 == 0) text += "\n";
      absl::StrAppend(&text, i % 13 == 0 ? "  " : "", "https://www.site-", i * 7919 % 100000,
                      ".example.com/path/", i, "?q=", i % 7, i % 11 == 0 ? "\r\n" : "\n");
    }
    return text;
  }();
  return input;
}

// Arg: bytes per Feed chunk.
void BM_SplitLines(benchmark::State& state) {
  const std::string& input = Input();
  const auto chunk_bytes = static_cast<size_t>(state.range(0));
  InputLine line;
  int64_t lines = 0;
  uint64_t allocations = 0;
  bool warm = false;
  for (auto _ : state) {
    LineSplitter splitter;
    const uint64_t before = HeapAllocations();
    for (size_t pos = 0; pos < input.size(); pos += chunk_bytes) {
      std::string_view chunk(input.data() + pos, std::min(chunk_bytes, input.size() - pos));
      while (splitter.Feed(&chunk, &line)) {
        ++lines;
        benchmark::DoNotOptimize(line.text.data());
      }
    }
    if (splitter.EndInput(&line)) ++lines;
    // The first pass grows the strings to the longest line; later passes show the steady state.
    if (warm) allocations += HeapAllocations() - before;
    warm = true;
  }
  state.SetItemsProcessed(lines);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["allocs/line"] = static_cast<double>(allocations) / static_cast<double>(std::max<int64_t>(lines, 1));
}
BENCHMARK(BM_SplitLines)->Arg(512)->Arg(64 * 1024);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
