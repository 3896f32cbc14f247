// Parquet writer throughput and file size on realistic scan rows: most domains of a list resolve and
// answer, a third fail in DNS, connect or TLS, and stage timings are measured values (nanosecond
// deltas in milliseconds), not round numbers. Targets (issue "Parquet output"): at least 2 million
// rows/s on one core, and a file of at most 35% of the CSV's size for the same 1,000,000 rows.
//
//   BM_ParquetWrite/codec:N   rows/s of Write into an OutputFile on /dev/null, row groups included
//                             (codec: 0 zstd, 1 snappy, 2 none)
//   BM_ParquetVsCsvSize       1,000,000 rows written as Parquet (zstd) and CSV: byte counters and ratio
#include <fcntl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "output/parquet/parquet_writer.h"
#include "output/writer.h"
#include "core/options.h"
#include "core/errors.h"
#include "core/row.h"

namespace urlsweep {
namespace {

// Rows per Write call, about what the output thread drains from the loops at a time.
constexpr size_t kBatchRows = 1024;
// The size comparison of the issue: a 1,000,000-row scan.
constexpr int64_t kSizeRows = 1'000'000;

// Deterministic generator: the same rows on every run.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  uint64_t Next() {
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    return state_;
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  // A stage duration in milliseconds: log-uniform between lo and hi, measured in nanoseconds.
  double Millis(double lo, double hi) {
    const double u = static_cast<double>(Next() >> 11) / 9007199254740992.0;
    const double ms = lo * std::pow(hi / lo, u);
    return static_cast<double>(static_cast<int64_t>(ms * 1e6)) / 1e6;
  }

 private:
  uint64_t state_;
};

const char* const kWords[] = {"shop", "news", "cloud", "data", "green", "blue", "media", "tech", "home",
                              "world", "city", "music", "travel", "food", "health", "star", "net",
                              "online", "digital", "smart", "best", "my", "web", "info"};
const char* const kTlds[] = {"com", "net", "org", "de", "co.uk", "io", "fr", "nl", "info", "ru"};
const char* const kServers[] = {"nginx", "cloudflare", "Apache", "nginx/1.18.0 (Ubuntu)",
                                "Apache/2.4.41 (Ubuntu)", "LiteSpeed", "Microsoft-IIS/10.0", "openresty",
                                "AmazonS3", "gws", "Varnish", "Caddy"};
const char* const kTypes[] = {"text/html; charset=UTF-8", "text/html; charset=utf-8", "text/html",
                              "application/json", "text/plain; charset=utf-8", "text/html;charset=UTF-8"};
const char* const kCommonTitles[] = {"403 Forbidden", "404 Not Found", "Welcome to nginx!", "Just a moment...",
                                     "Domain for sale", "Coming Soon", "Index of /", "Apache2 Ubuntu Default Page: It works"};

// Row i of a realistic scan.
void FillRow(int64_t i, Row* row) {
  Rng rng(static_cast<uint64_t>(i));
  row->Clear();
  const std::string host = absl::StrCat(kWords[rng.Below(24)], "-", kWords[rng.Below(24)], rng.Below(1000), ".",
                                        kTlds[rng.Below(10)]);
  const bool https = rng.Below(10) < 6;
  row->line = i + 1;
  row->url = absl::StrCat(https ? "https://" : "", host, rng.Below(4) == 0 ? "/index.html" : "");
  row->host.Set(host);
  row->attempts = 1;
  row->started_at_us = 1'764'400'000'000'000 + i * 450 + static_cast<int64_t>(rng.Below(20'000));
  row->dns_ms = rng.Millis(0.2, 120);
  const uint64_t outcome = rng.Below(100);
  if (outcome < 28) {  // DNS failures
    row->error = outcome < 20 ? ErrorCode::kDnsNxdomain : outcome < 25 ? ErrorCode::kDnsNodata : ErrorCode::kDnsTimeout;
    row->error_detail.Set(outcome < 20 ? "Domain name not found" : outcome < 25 ? "DNS server returned answer with no data" : "Timeout while contacting DNS servers");
    if (outcome >= 25) row->attempts = 2;
    row->total_ms = *row->dns_ms + rng.Millis(0.01, 0.2);
    return;
  }
  row->ip.Set(absl::StrCat(rng.Below(223) + 1, ".", rng.Below(256), ".", rng.Below(256), ".", rng.Below(256)));
  row->port = https ? 443 : 80;
  if (outcome < 38) {  // connect failures
    row->error = outcome < 34 ? ErrorCode::kConnectTimeout : ErrorCode::kConnectRefused;
    row->error_detail.Set(outcome < 34 ? "connection timed out" : "connection refused");
    row->attempts = outcome < 34 ? 2 : 1;
    row->connect_ms = outcome < 34 ? 5000.0 + rng.Millis(0.01, 2) : rng.Millis(5, 200);
    row->total_ms = *row->dns_ms + *row->connect_ms + rng.Millis(0.01, 0.2);
    return;
  }
  row->connect_ms = rng.Millis(5, 300);
  if (https) {
    row->tls_version.Set(rng.Below(10) < 8 ? "TLSv1.3" : "TLSv1.2");
    row->tls_ms = rng.Millis(10, 400);
    const uint64_t v = rng.Below(100);
    row->tls_verify.Set(v < 88 ? "ok" : v < 93 ? "hostname_mismatch" : v < 97 ? "expired" : "self_signed");
    row->cert_not_after_us = 1'770'000'000'000'000 + static_cast<int64_t>(rng.Below(400)) * 86'400'000'000;
    if (outcome < 42) {
      row->error = ErrorCode::kTlsError;
      row->error_detail.Set("sslv3 alert handshake failure");
      row->total_ms = *row->dns_ms + *row->connect_ms + *row->tls_ms;
      return;
    }
  }
  row->final_url.Set(absl::StrCat(https ? "https://" : "http://", host, "/"));
  row->http_version.Set(rng.Below(50) == 0 ? "1.0" : "1.1");
  const uint64_t s = rng.Below(100);
  const int32_t status = s < 70 ? 200 : s < 80 ? 301 : s < 85 ? 302 : s < 90 ? 404 : s < 95 ? 403 : 503;
  row->status = status;
  row->reason.Set(status == 200 ? "OK" : status == 301 ? "Moved Permanently" : status == 302 ? "Found"
                  : status == 404 ? "Not Found" : status == 403 ? "Forbidden" : "Service Unavailable");
  if (status == 301 || status == 302) {
    row->location.Set(absl::StrCat("https://www.", host, "/"));
    row->body_bytes = 162;
  } else {
    row->body_bytes = static_cast<int64_t>(rng.Below(65537));
    if (rng.Below(3) != 0) row->content_length = *row->body_bytes;
  }
  row->content_type.Set(kTypes[rng.Below(6)]);
  row->server.Set(kServers[rng.Below(12)]);
  if (status == 200) {
    if (rng.Below(5) == 0) {
      row->title.Set(kCommonTitles[rng.Below(8)]);
    } else {
      row->title.Set(absl::StrCat(kWords[rng.Below(24)], " ", kWords[rng.Below(24)], " | ",
                                  rng.Below(10) == 0 ? "Startseite \xE2\x80\x93 Willkommen" : "Home"));
    }
  } else if (status >= 400) {
    row->title.Set(kCommonTitles[status == 404 ? 1 : 0]);
  }
  row->ttfb_ms = rng.Millis(10, 2000);
  row->total_ms = *row->dns_ms + *row->connect_ms + row->tls_ms.value_or(0) + *row->ttfb_ms + rng.Millis(0.05, 50);
}

std::unique_ptr<OutputFile> DevNull() {
  const int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  return std::make_unique<OutputFile>(fd, "/dev/null");
}

// Each batch is generated fresh, untimed, just before it is written: like the scan loops' rows, it is
// in cache and never repeats earlier values (which would flatter the dictionaries and compression).
void BM_ParquetWrite(benchmark::State& state) {
  std::vector<Row> batch(kBatchRows);
  int64_t next = 0;
  auto file = DevNull();
  if (!file) {
    state.SkipWithError("cannot open /dev/null");
    return;
  }
  Config config;
  config.parquet_compression = static_cast<ParquetCompression>(state.range(0));
  auto writer = MakeParquetWriter(config, file.get());
  if (!writer->Open(false).ok()) state.SkipWithError("Open failed");
  for (auto _ : state) {
    state.PauseTiming();
    for (Row& row : batch) FillRow(next++, &row);
    state.ResumeTiming();
    if (!writer->Write(batch).ok()) {
      state.SkipWithError("Write failed");
      break;
    }
  }
  if (!writer->Close().ok()) state.SkipWithError("Close failed");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBatchRows));
  state.counters["bytes_per_row"] = static_cast<double>(file->offset()) / static_cast<double>(state.iterations() * kBatchRows);
}
// Arg: ParquetCompression (0 zstd, 1 snappy, 2 none). MinTime: several row groups per measurement.
BENCHMARK(BM_ParquetWrite)->Arg(0)->Arg(1)->Arg(2)->ArgName("codec")->MinTime(3.0)->UseRealTime();

void BM_ParquetVsCsvSize(benchmark::State& state) {
  for (auto _ : state) {
    auto parquet_file = DevNull();
    auto csv_file = DevNull();
    if (!parquet_file || !csv_file) {
      state.SkipWithError("cannot open /dev/null");
      return;
    }
    Config parquet_config;
    parquet_config.format = OutputFormat::kParquet;
    Config csv_config;
    csv_config.format = OutputFormat::kCsv;
    auto parquet = MakeRowWriter(parquet_config, parquet_file.get());
    auto csv = MakeRowWriter(csv_config, csv_file.get());
    if (!parquet->Open(false).ok() || !csv->Open(false).ok()) {
      state.SkipWithError("Open failed");
      return;
    }
    std::vector<Row> batch(kBatchRows);
    for (int64_t done = 0; done < kSizeRows;) {
      const size_t n = static_cast<size_t>(std::min<int64_t>(kBatchRows, kSizeRows - done));
      for (size_t k = 0; k < n; ++k) FillRow(done + static_cast<int64_t>(k), &batch[k]);
      const auto rows = absl::MakeConstSpan(batch).subspan(0, n);
      if (!parquet->Write(rows).ok() || !csv->Write(rows).ok()) {
        state.SkipWithError("Write failed");
        return;
      }
      done += static_cast<int64_t>(n);
    }
    if (!parquet->Close().ok() || !csv->Close().ok()) state.SkipWithError("Close failed");
    const double parquet_bytes = static_cast<double>(parquet_file->offset());  // footer included
    const double csv_bytes = static_cast<double>(csv_file->offset());
    state.counters["parquet_bytes"] = parquet_bytes;
    state.counters["csv_bytes"] = csv_bytes;
    state.counters["parquet_to_csv"] = parquet_bytes / csv_bytes;
  }
}
BENCHMARK(BM_ParquetVsCsvSize)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace urlsweep

BENCHMARK_MAIN();
