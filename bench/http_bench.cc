// HTTP layer micro-benchmarks: response parsing of a typical page, whole and split into pieces of 1..N
// bytes (what reads of different sizes cost), a chunked response, and the title search over a page.
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "benchmark/benchmark.h"
#include "http/response_parser.h"
#include "http/title.h"

namespace urlsweep {
namespace {

// A head like those of big sites (a dozen headers, cookies, security policy) and a 16 KiB HTML body
// whose title sits after a long <head>, so the title search has real work to do.
std::string Body() {
  std::string body = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">";
  for (int i = 0; i < 60; ++i) {
    body += "<link rel=\"preload\" href=\"/static/asset-" + std::to_string(i) + ".js\" as=\"script\">";
  }
  body += "<title>Example Domain &amp; Friends \xE2\x80\x94 Home</title></head><body>";
  while (body.size() < 16 * 1024) body += "<p>Lorem ipsum dolor sit amet, consectetur adipiscing.</p>";
  return body + "</body></html>";
}

std::string Head(size_t body_size) {
  return "HTTP/1.1 200 OK\r\n"
         "Date: Sun, 29 Nov 2026 16:25:51 GMT\r\n"
         "Content-Type: text/html; charset=UTF-8\r\n"
         "Content-Length: " + std::to_string(body_size) + "\r\n"
         "Connection: keep-alive\r\n"
         "Server: nginx/1.22.1\r\n"
         "Cache-Control: max-age=600\r\n"
         "Set-Cookie: session=0123456789abcdef0123456789abcdef; Path=/; HttpOnly; Secure\r\n"
         "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
         "Content-Security-Policy: default-src 'self'; img-src *; script-src 'self' cdn.example.com\r\n"
         "X-Frame-Options: DENY\r\n"
         "Vary: Accept-Encoding\r\n"
         "\r\n";
}

const std::string& Response() {
  static const std::string response = [] {
    std::string body = Body();
    return Head(body.size()) + body;
  }();
  return response;
}

const std::string& ChunkedResponse() {
  static const std::string response = [] {
    std::string body = Body();
    std::string out = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t i = 0; i < body.size(); i += 1000) {
      std::string chunk = body.substr(i, 1000);
      char size[16];
      snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
      out += size + chunk + "\r\n";
    }
    return out + "0\r\n\r\n";
  }();
  return response;
}

void Parse(benchmark::State& state, const std::string& response, size_t piece) {
  ResponseParser parser;
  for (auto _ : state) {
    parser.Reset(false, 1 << 20);
    ResponseParser::State s = ResponseParser::State::kNeedMore;
    for (size_t pos = 0; pos < response.size() && s == ResponseParser::State::kNeedMore; pos += piece) {
      size_t used;
      s = parser.Feed(response.data() + pos, std::min(piece, response.size() - pos), &used);
    }
    if (s != ResponseParser::State::kComplete) state.SkipWithError("response not complete");
    benchmark::DoNotOptimize(parser.title());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * response.size()));
}

// Arg: piece size in bytes; 0 = the whole response in one Feed.
void BM_ParseResponse(benchmark::State& state) {
  size_t piece = state.range(0) == 0 ? Response().size() : static_cast<size_t>(state.range(0));
  Parse(state, Response(), piece);
}
BENCHMARK(BM_ParseResponse)->Arg(0)->Arg(1)->Arg(7)->Arg(64)->Arg(1460)->Arg(16384);

void BM_ParseChunkedResponse(benchmark::State& state) {
  size_t piece = state.range(0) == 0 ? ChunkedResponse().size() : static_cast<size_t>(state.range(0));
  Parse(state, ChunkedResponse(), piece);
}
BENCHMARK(BM_ParseChunkedResponse)->Arg(0)->Arg(1460);

// The head alone (what a HEAD request or a truncated body costs).
void BM_ParseHead(benchmark::State& state) {
  std::string head = Head(0);
  ResponseParser parser;
  for (auto _ : state) {
    parser.Reset(true, 0);
    size_t used;
    benchmark::DoNotOptimize(parser.Feed(head.data(), head.size(), &used));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * head.size()));
}
BENCHMARK(BM_ParseHead);

// Arg: bytes of the page before the title (the search is a memchr for '<' and a short compare).
void BM_TitleSearch(benchmark::State& state) {
  std::string page = "<html><head>";
  while (page.size() < static_cast<size_t>(state.range(0))) page += "<meta name=\"x\" content=\"y\">";
  page += "<title>  Some   page &amp; title  </title></head>";
  TitleScanner scanner;
  for (auto _ : state) {
    scanner.Reset();
    scanner.Feed(page);
    benchmark::DoNotOptimize(scanner.title());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * page.size()));
}
BENCHMARK(BM_TitleSearch)->Arg(256)->Arg(16384);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
