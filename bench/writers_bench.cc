// Encoding throughput of the text writers on realistic rows: a mix of completed HTTPS exchanges,
// redirects, DNS failures and timeouts, like a scan of a domain list. The pure encoders are measured
// alone, then whole writers into an OutputFile on /dev/null (the write(2) cost without a disk).
#include <fcntl.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "output/text_format.h"
#include "output/writer.h"
#include "core/options.h"
#include "core/row.h"

namespace urlsweep {
namespace {

// Rows per Write call, about what the output thread drains from the loops at a time.
constexpr size_t kBatchRows = 1024;

std::vector<Row> RealisticRows(size_t count) {
  std::vector<Row> rows(count);
  for (size_t i = 0; i < count; ++i) {
    Row& row = rows[i];
    const std::string host = absl::StrCat("www.example-", i * 7919 % 100000, ".com");
    row.line = static_cast<int64_t>(i + 1);
    row.url = absl::StrCat("https://", host, "/");
    row.attempts = 1;
    row.started_at_us = 1795969551000000 + static_cast<int64_t>(i) * 1000;
    row.dns_ms = 3.25 + static_cast<double>(i % 50);
    switch (i % 10) {
      case 0:  // the name does not exist
        row.host.Set(host);
        row.error = ErrorCode::kDnsNxdomain;
        row.error_detail.Set("Domain name not found");
        row.total_ms = *row.dns_ms;
        continue;
      case 1:  // nobody answers
        row.host.Set(host);
        row.ip.Set("203.0.113.7");
        row.port = 443;
        row.error = ErrorCode::kConnectTimeout;
        row.error_detail.Set("connection timed out");
        row.attempts = 2;
        row.connect_ms = 5000.0;
        row.total_ms = 10004.5;
        continue;
      default:
        break;
    }
    row.final_url.Set(row.url);
    row.host.Set(host);
    row.ip.Set(absl::StrCat("93.184.", i % 256, ".", i * 31 % 256));
    row.port = 443;
    row.status = i % 10 == 2 ? 301 : 200;
    row.reason.Set(i % 10 == 2 ? "Moved Permanently" : "OK");
    row.http_version.Set("1.1");
    if (i % 10 == 2) row.location.Set(absl::StrCat("https://", host, "/en/"));
    row.content_type.Set("text/html; charset=UTF-8");
    row.content_length = 1256 + static_cast<int64_t>(i % 5000);
    row.server.Set(i % 3 == 0 ? "nginx/1.24.0" : "cloudflare");
    row.title.Set(i % 7 == 0 ? "Caf\xC3\xA9 \"Le Monde\", Paris \xE2\x80\x93 Accueil" : "Example Domain");
    row.body_bytes = 1256;
    row.tls_version.Set("TLSv1.3");
    row.tls_verify.Set(i % 20 == 3 ? "expired" : "ok");
    row.cert_not_after_us = 1830000000000000 + static_cast<int64_t>(i) * 1000000;
    row.connect_ms = 11.125 + static_cast<double>(i % 30);
    row.tls_ms = 24.5;
    row.ttfb_ms = 80.75 + static_cast<double>(i % 200);
    row.total_ms = 140.0 + static_cast<double>(i % 300);
  }
  return rows;
}

template <void (*Encode)(const Row&, std::string*, const ExtraColumns&)>
void BM_Encode(benchmark::State& state) {
  const std::vector<Row> rows = RealisticRows(kBatchRows);
  std::string out;
  for (auto _ : state) {
    out.clear();
    for (const Row& row : rows) Encode(row, &out, ExtraColumns::None());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * out.size()));
}
BENCHMARK(BM_Encode<CsvWriter::AppendRow>)->Name("BM_EncodeCsv");
BENCHMARK(BM_Encode<JsonlWriter::AppendRow>)->Name("BM_EncodeJsonl");

void BM_WriterToDevNull(benchmark::State& state) {
  const std::vector<Row> rows = RealisticRows(kBatchRows);
  Config config;
  config.format = state.range(0) == 0 ? OutputFormat::kCsv : OutputFormat::kJsonl;
  int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  OutputFile file(fd, "/dev/null");
  std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
  if (!writer->Open(false).ok()) state.SkipWithError("Open failed");
  for (auto _ : state) {
    if (!writer->Write(rows).ok()) {
      state.SkipWithError("Write failed");
      break;
    }
  }
  const int64_t bytes = file.offset();
  if (!writer->Close().ok()) state.SkipWithError("Close failed");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.size()));
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_WriterToDevNull)->Arg(0)->Arg(1)->ArgName("jsonl");

void BM_AppendTimestamp(benchmark::State& state) {
  std::string out;
  int64_t micros = 1795969551123456;
  for (auto _ : state) {
    out.clear();
    AppendTimestamp(micros, &out);
    micros += 1000003;
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AppendTimestamp);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
