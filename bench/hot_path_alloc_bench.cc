// Allocations per operation of the hot parts whose speed url_bench, http_bench, writers_bench and
// dns_cache_bench measure: STYLE rule 9 says a warm scan allocates nothing per URL, so each of these
// should report allocs/op = 0 once its buffers have grown. (The times here repeat those benchmarks; the
// counter is the point.) bench/alloc_count measures the same for the whole binary.
#include <cstdint>
#include <string>
#include <string_view>

#include "bench/alloc_count/malloc_counter.h"
#include "benchmark/benchmark.h"
#include "dns/cache.h"
#include "http/response_parser.h"
#include "http/title.h"
#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "core/row.h"
#include "scanner/url.h"

namespace urlsweep {
namespace {

void ReportAllocations(benchmark::State& state, uint64_t before) {
  state.counters["allocs/op"] =
      benchmark::Counter(static_cast<double>(HeapAllocations() - before), benchmark::Counter::kAvgIterations);
}

void BM_ParseUrlWarm(benchmark::State& state) {
  constexpr std::string_view kUrl = "https://www.Example-Shop.com:8443/products/item-12345?ref=home#top";
  Target target;
  const char* detail = nullptr;
  ParseUrl(kUrl, &target, &detail);
  const uint64_t before = HeapAllocations();
  for (auto _ : state) benchmark::DoNotOptimize(ParseUrl(kUrl, &target, &detail));
  ReportAllocations(state, before);
}
BENCHMARK(BM_ParseUrlWarm);

const std::string& Response() {
  static const std::string response =
      "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 29 Nov 2026 16:25:51 GMT\r\n"
      "Content-Type: text/html; charset=utf-8\r\nContent-Length: 75\r\nConnection: keep-alive\r\n"
      "Set-Cookie: id=0123456789abcdef; Path=/; HttpOnly\r\n\r\n"
      "<!doctype html><html><head><title>bench</title></head><body>ok</body></html>";
  return response;
}

// Arg: bytes per read (1460: a TCP segment; 65536: the whole response at once).
void BM_ParseResponseWarm(benchmark::State& state) {
  const std::string& response = Response();
  const auto piece = static_cast<size_t>(state.range(0));
  ResponseParser parser;
  auto parse = [&] {
    parser.Reset(false, 65536);
    ResponseParser::State s = ResponseParser::State::kNeedMore;
    for (size_t pos = 0; pos < response.size() && s == ResponseParser::State::kNeedMore; pos += piece) {
      size_t used;
      s = parser.Feed(response.data() + pos, std::min(piece, response.size() - pos), &used);
    }
    return s;
  };
  if (parse() != ResponseParser::State::kComplete) state.SkipWithError("response not complete");
  const uint64_t before = HeapAllocations();
  for (auto _ : state) benchmark::DoNotOptimize(parse());
  ReportAllocations(state, before);
}
BENCHMARK(BM_ParseResponseWarm)->Arg(1460)->Arg(65536);

void BM_TitleWarm(benchmark::State& state) {
  constexpr std::string_view kPage =
      "<html><head><meta charset=utf-8><title>  Caf&eacute; &amp; Bar \xE2\x80\x94 Home </title></head>";
  TitleScanner scanner;
  scanner.Feed(kPage);
  const uint64_t before = HeapAllocations();
  for (auto _ : state) {
    scanner.Reset();
    scanner.Feed(kPage);
    benchmark::DoNotOptimize(scanner.title().data());
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_TitleWarm);

Row AnsweredRow() {
  Row row;
  row.line = 123456;
  row.url = "http://h17.test:8080/title/page-17";
  row.final_url.Set(row.url);
  row.host.Set("h17.test");
  row.ip.Set("127.0.1.17");
  row.port = 8080;
  row.status = 200;
  row.reason.Set("OK");
  row.http_version.Set("1.1");
  row.content_type.Set("text/html; charset=utf-8");
  row.content_length = 89;
  row.server.Set("urlsweep-fixture");
  row.title.Set("page, \"17\"");
  row.body_bytes = 89;
  row.attempts = 1;
  row.dns_ms = 0.412;
  row.connect_ms = 0.231;
  row.ttfb_ms = 0.877;
  row.total_ms = 1.734;
  row.started_at_us = 1795969551123456;
  return row;
}

template <void (*Encode)(const Row&, std::string*, const ExtraColumns&)>
void BM_EncodeWarm(benchmark::State& state) {
  const Row row = AnsweredRow();
  std::string out;
  for (int i = 0; i < 64; ++i) Encode(row, &out, ExtraColumns::None());
  const uint64_t before = HeapAllocations();
  for (auto _ : state) {
    out.clear();
    Encode(row, &out, ExtraColumns::None());
    benchmark::DoNotOptimize(out.data());
  }
  ReportAllocations(state, before);
}
BENCHMARK(BM_EncodeWarm<CsvWriter::AppendRow>)->Name("BM_EncodeCsvWarm");
BENCHMARK(BM_EncodeWarm<JsonlWriter::AppendRow>)->Name("BM_EncodeJsonlWarm");

void BM_DnsCacheHit(benchmark::State& state) {
  DnsCache cache(1000);
  DnsCache::Answer answer;
  answer.addresses.push_back(DnsCache::Address{AF_INET, {127, 0, 1, 17}});
  cache.Insert("h17.test", answer, 600, 0);
  const uint64_t before = HeapAllocations();
  for (auto _ : state) benchmark::DoNotOptimize(cache.Find("h17.test", 1000));
  ReportAllocations(state, before);
}
BENCHMARK(BM_DnsCacheHit);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
