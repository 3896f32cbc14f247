// Writes the Parquet files that readback.mjs reads back with DuckDB and hyparquet, each beside a JSON
// file holding what the readers must find: the rows as written (strings as hex of their raw bytes, so
// invalid UTF-8 reaches the checker unchanged and it computes the expected repair itself), the row
// group sizes, the key-value metadata. Usage: parquet_readback_gen OUT_DIR
#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "output/parquet/parquet_writer.h"
#include "output/writer.h"
#include "core/options.h"
#include "core/errors.h"
#include "core/row.h"

namespace urlsweep {
namespace {

// Deterministic pseudo-random numbers (a 64-bit LCG): the same files on every machine.
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    state_ = state_ * 6364136223846793005ull + 1442695040888963407ull;
    return state_ >> 17;
  }
  bool OneIn(uint64_t n) { return Next() % n == 0; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Next() % items.size()];
  }

 private:
  uint64_t state_;
};

// Strings chosen to break a writer: empty, non-ASCII, NUL, and invalid UTF-8 of every kind (stray
// continuation, overlong, surrogate, truncated sequence, bytes past U+10FFFF).
const std::vector<std::string>& OddStrings() {
  static const auto* strings = new std::vector<std::string>{
      "",
      "plain ascii",
      "h\xC3\xA9llo w\xC3\xB6rld",
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x82\xBF\xE3\x82\xA4\xE3\x83\x88\xE3\x83\xAB",
      "emoji \xF0\x9F\x98\x80 end",
      std::string("nul\0inside", 10),
      "bad \xFF\xFE bytes",
      "abc\x80" "def",
      "overlong \xC0\xAF slash",
      "surrogate \xED\xA0\x80 here",
      "truncated \xF0\x9F\x98",
      "\xF0\x9F\x98",
      "e0 \xE0\x80 pair",
      "past max \xF4\x90\x80\x80",
      "\xF5\xF6\xF7\xF8",
      "tab\tnew\nline,comma\"quote",
  };
  return *strings;
}

std::string Hex(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) absl::StrAppendFormat(&out, "%02x", c);
  return out;
}

std::string JsonDouble(double v) {
  if (std::isnan(v)) return "\"NaN\"";
  if (std::isinf(v)) return v > 0 ? "\"Infinity\"" : "\"-Infinity\"";
  if (v == 0 && std::signbit(v)) return "\"-0\"";
  return absl::StrFormat("\"%.17g\"", v);
}

// One row as JSON: integers and timestamps as decimal strings (they exceed 2^53), doubles as
// strings ("NaN", "-0" included), strings as hex, absent values as null.
std::string RowJson(const Row& r) {
  std::string out = "{";
  auto key = [&](std::string_view name) {
    if (out.size() > 1) out += ",";
    out.append("\"").append(name).append("\":");
  };
  auto str = [&](std::string_view name, const OptString& v) {
    key(name);
    absl::StrAppend(&out, v.has_value() ? absl::StrCat("\"", Hex(v.view()), "\"") : "null");
  };
  auto i64 = [&](std::string_view name, std::optional<int64_t> v) {
    key(name);
    absl::StrAppend(&out, v ? absl::StrCat("\"", *v, "\"") : "null");
  };
  auto f64 = [&](std::string_view name, std::optional<double> v) {
    key(name);
    absl::StrAppend(&out, v ? JsonDouble(*v) : "null");
  };
  i64("line", r.line);
  key("url");
  absl::StrAppend(&out, "\"", Hex(r.url), "\"");
  str("final_url", r.final_url);
  str("host", r.host);
  str("ip", r.ip);
  i64("port", r.port);
  i64("status", r.status);
  str("reason", r.reason);
  str("http_version", r.http_version);
  key("error");
  absl::StrAppend(&out, r.error == ErrorCode::kNone ? "null" : absl::StrCat("\"", Hex(ErrorName(r.error)), "\""));
  str("error_detail", r.error_detail);
  i64("redirects", r.redirects);
  str("location", r.location);
  str("content_type", r.content_type);
  i64("content_length", r.content_length);
  str("server", r.server);
  str("title", r.title);
  i64("body_bytes", r.body_bytes);
  str("tls_version", r.tls_version);
  str("tls_verify", r.tls_verify);
  i64("cert_not_after", r.cert_not_after_us);
  i64("attempts", r.attempts);
  f64("dns_ms", r.dns_ms);
  f64("connect_ms", r.connect_ms);
  f64("tls_ms", r.tls_ms);
  f64("ttfb_ms", r.ttfb_ms);
  f64("total_ms", r.total_ms);
  i64("started_at", r.started_at_us);
  str("proxy", r.proxy);
  str("proxy_auth", r.proxy_auth);
  out += "}";
  return out;
}

// Rows covering nulls, extremes, every error word and hostile strings; `long_every` > 0 adds a string
// longer than the statistics limit every that many rows.
std::vector<Row> VariedRows(int count, uint64_t seed, int long_every) {
  Lcg rng(seed);
  const std::vector<std::string>& odd = OddStrings();
  const std::vector<std::string> servers = {"nginx", "Apache/2.4.57 (Debian)", "cloudflare", "gws",
                                            "Microsoft-IIS/10.0", "LiteSpeed"};
  const std::vector<std::string> types = {"text/html; charset=utf-8", "text/html", "application/json",
                                          "text/plain", "image/png"};
  const std::vector<int64_t> extremes64 = {0, -1, 1, std::numeric_limits<int64_t>::min(),
                                           std::numeric_limits<int64_t>::max()};
  const std::vector<int32_t> extremes32 = {0, -1, std::numeric_limits<int32_t>::min(),
                                           std::numeric_limits<int32_t>::max()};
  const std::vector<double> doubles = {0.0, -0.0, 1e-300, -2.5, 1.7976931348623157e308,
                                       std::numeric_limits<double>::quiet_NaN(),
                                       std::numeric_limits<double>::infinity(), 123.456789};
  // From 1677-09-22 (before the epoch) to 9999-12-31, the range both readers represent.
  const std::vector<int64_t> times = {0, -1, -9'000'000'000'000'000, 253'402'300'799'999'999,
                                      1'764'433'551'123'456};
  std::vector<Row> rows(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    Row& r = rows[static_cast<size_t>(i)];
    r.line = rng.OneIn(50) ? rng.Pick(extremes64) : i + 1;
    r.url = rng.OneIn(7) ? rng.Pick(odd) : absl::StrCat("http://host", rng.Next() % 500, ".example/p/", i);
    auto maybe = [&](OptString& field, std::string value) {
      if (rng.OneIn(4)) return;
      if (rng.OneIn(6)) value = rng.Pick(odd);
      field.Set(value);
    };
    maybe(r.final_url, absl::StrCat("https://host", i % 300, ".example/final/", rng.Next() % 1000));
    maybe(r.host, absl::StrCat("host", i % 300, ".example"));
    maybe(r.ip, absl::StrCat("10.0.", rng.Next() % 4, ".", rng.Next() % 256));
    if (!rng.OneIn(4)) r.port = rng.OneIn(10) ? rng.Pick(extremes32) : (rng.OneIn(2) ? 80 : 443);
    if (!rng.OneIn(3)) r.status = rng.OneIn(10) ? rng.Pick(extremes32) : static_cast<int32_t>(200 + rng.Next() % 400);
    maybe(r.reason, rng.OneIn(2) ? "OK" : "Not Found");
    maybe(r.http_version, rng.OneIn(5) ? "1.0" : "1.1");
    if (rng.OneIn(2)) r.error = static_cast<ErrorCode>(rng.Next() % kErrorCodeCount);
    maybe(r.error_detail, rng.OneIn(2) ? "Connection refused" : "certificate has expired");
    r.redirects = rng.OneIn(10) ? rng.Pick(extremes32) : static_cast<int32_t>(rng.Next() % 4);
    maybe(r.location, absl::StrCat("/moved/", rng.Next()));
    maybe(r.content_type, rng.Pick(types));
    if (!rng.OneIn(3)) r.content_length = rng.OneIn(8) ? rng.Pick(extremes64) : static_cast<int64_t>(rng.Next() % 100000);
    maybe(r.server, rng.Pick(servers));
    maybe(r.title, absl::StrCat("Title ", rng.Next() % 40));
    if (long_every > 0 && i % long_every == long_every - 1) {
      r.title.Set(absl::StrCat(std::string(5000 + i % 7, 'T'), "\xC3\xA9\xFF"));
    }
    if (!rng.OneIn(3)) r.body_bytes = rng.OneIn(8) ? rng.Pick(extremes64) : static_cast<int64_t>(rng.Next() % 65536);
    maybe(r.tls_version, rng.OneIn(3) ? "TLSv1.2" : "TLSv1.3");
    maybe(r.tls_verify, rng.OneIn(4) ? "expired" : "ok");
    if (!rng.OneIn(3)) r.cert_not_after_us = rng.Pick(times);
    r.attempts = rng.OneIn(10) ? rng.Pick(extremes32) : static_cast<int32_t>(1 + rng.Next() % 3);
    auto ms = [&](std::optional<double>& field) {
      if (rng.OneIn(3)) return;
      field = rng.OneIn(6) ? rng.Pick(doubles) : static_cast<double>(rng.Next() % 10'000'000) / 1e6;
    };
    ms(r.dns_ms);
    ms(r.connect_ms);
    ms(r.tls_ms);
    ms(r.ttfb_ms);
    ms(r.total_ms);
    if (!rng.OneIn(4)) r.started_at_us = rng.OneIn(6) ? rng.Pick(times) : 1'764'433'551'000'000 + i;
    if (rng.OneIn(3)) {
      r.proxy.Set(rng.OneIn(2) ? "http://127.0.0.1:3128" : "socks5h://[::1]:1080");
      maybe(r.proxy_auth, rng.OneIn(2) ? "ntlm" : "basic,digest");
    }
  }
  return rows;
}

struct Case {
  std::string name;
  ParquetCompression compression = ParquetCompression::kZstd;
  ParquetWriterOptions options;
  std::vector<Row> rows;
  std::vector<size_t> flush_after;  // Flush() after writing this many rows
  size_t sample_every = 1;          // expected rows: every Nth (the big case keeps its JSON small)
  std::vector<int64_t> row_groups;  // expected row group sizes when a byte limit cuts them
  size_t max_batch = 37;            // rows per Write() call vary from 1 to this
  // --resume: after Flush() at this many rows (also listed in flush_after) the writer checkpoints,
  // writes more rows, and the process "dies"; a new writer restored from the checkpoints continues
  // from the committed offset (the torn tail cut off) with the rows after this one. 0: no crash.
  size_t crash_after = 0;
};

bool WriteFile(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

// The resumed half of a crash_after case, as scanner/main.cc does it: cut the file at the committed
// offset, reopen it there, restore the writer from the checkpoint states, Open(/*append=*/true).
absl::Status Resume(const std::string& path, const Config& config, const ParquetWriterOptions& options,
                    int64_t offset, const std::vector<std::string>& states, std::unique_ptr<OutputFile>* file,
                    std::unique_ptr<RowWriter>* writer) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0 || ::ftruncate(fd, offset) != 0 || ::lseek(fd, offset, SEEK_SET) != offset) {
    return absl::InternalError(absl::StrCat("cannot reopen ", path, " at ", offset));
  }
  *writer = nullptr;
  *file = std::make_unique<OutputFile>(fd, path);
  (*file)->set_start_offset(offset);
  *writer = MakeParquetWriter(config, file->get(), options);
  if (absl::Status s = (*writer)->Restore(states); !s.ok()) return s;
  return (*writer)->Open(/*append=*/true);
}

// Writes case.parquet and case.json; returns false (after a message) on failure.
bool WriteCase(const std::string& dir, const Case& c) {
  const std::string path = absl::StrCat(dir, "/", c.name, ".parquet");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::fprintf(stderr, "cannot create %s\n", path.c_str());
    return false;
  }
  auto file = std::make_unique<OutputFile>(fd, path);
  Config config;
  config.format = OutputFormat::kParquet;
  config.parquet_compression = c.compression;
  config.flags_text = "--format parquet -H 'X-Test: caf\xC3\xA9 \xFF'";
  std::unique_ptr<RowWriter> writer = MakeParquetWriter(config, file.get(), c.options);
  absl::Status status = writer->Open(false);
  size_t done = 0;
  std::vector<size_t> stops = c.flush_after;
  stops.push_back(c.rows.size());
  std::vector<std::string> states;
  auto write_until = [&](size_t stop) {
    // Rows arrive in uneven batches, as a scan hands them over.
    while (status.ok() && done < stop) {
      const size_t n = std::min(stop - done, 1 + done % c.max_batch);
      status = writer->Write(absl::MakeConstSpan(c.rows).subspan(done, n));
      done += n;
    }
  };
  for (size_t stop : stops) {
    write_until(stop);
    if (status.ok() && stop != c.rows.size()) status = writer->Flush();
    if (status.ok()) states.push_back(writer->CheckpointState());
    if (status.ok() && stop == c.crash_after) {
      const int64_t committed = file->offset();
      // Rows past the checkpoint reach the file, then the process dies: no footer, a torn tail.
      write_until(c.rows.size());
      if (status.ok()) status = file->Flush();
      if (status.ok()) status = Resume(path, config, c.options, committed, states, &file, &writer);
      done = stop;
    }
  }
  if (status.ok()) status = writer->Close();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", c.name.c_str(), status.ToString().c_str());
    return false;
  }

  // The row group sizes the writer must have produced: cut at each Flush() and every row_group_rows.
  std::vector<int64_t> groups;
  int64_t pending = 0;
  size_t next_flush = 0;
  for (size_t i = 0; i < c.rows.size(); ++i) {
    ++pending;
    if (pending == c.options.row_group_rows) {
      groups.push_back(pending);
      pending = 0;
    }
    if (next_flush < c.flush_after.size() && i + 1 == c.flush_after[next_flush]) {
      if (pending > 0) groups.push_back(pending);
      pending = 0;
      ++next_flush;
    }
  }
  if (pending > 0) groups.push_back(pending);
  if (!c.row_groups.empty()) groups = c.row_groups;

  std::string json = absl::StrCat("{\"name\":\"", c.name, "\",\"parquet\":\"", c.name, ".parquet\",");
  absl::StrAppend(&json, "\"compression\":\"",
                  c.compression == ParquetCompression::kZstd     ? "ZSTD"
                  : c.compression == ParquetCompression::kSnappy ? "SNAPPY"
                                                                 : "UNCOMPRESSED",
                  "\",");
  absl::StrAppend(&json, "\"num_rows\":", c.rows.size(), ",");
  absl::StrAppend(&json, "\"row_group_rows\":[");
  for (size_t i = 0; i < groups.size(); ++i) absl::StrAppend(&json, i ? "," : "", groups[i]);
  absl::StrAppend(&json, "],");
  absl::StrAppend(&json, "\"key_value\":{\"urlsweep.version\":\"", Hex(kVersion), "\",\"urlsweep.flags\":\"",
                  Hex(config.flags_text), "\"},");
  absl::StrAppend(&json, "\"sample_every\":", c.sample_every, ",\"rows\":[\n");
  bool first = true;
  for (size_t i = 0; i < c.rows.size(); i += c.sample_every) {
    absl::StrAppend(&json, first ? "" : ",\n", RowJson(c.rows[i]));
    first = false;
  }
  absl::StrAppend(&json, "]}\n");
  const std::string json_path = absl::StrCat(dir, "/", c.name, ".json");
  if (!WriteFile(json_path, json)) {
    std::fprintf(stderr, "cannot write %s\n", json_path.c_str());
    return false;
  }
  return true;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  {
    // Small limits: several row groups and pages, dictionaries that outgrow their limit, statistics
    // dropped for long titles.
    Case c;
    c.name = "varied_zstd";
    c.options.row_group_rows = 700;
    c.options.page_bytes = 4096;
    c.options.max_dictionary_bytes = 2048;
    c.rows = VariedRows(3000, 1, 450);
    c.flush_after = {100, 101, 2000};
    cases.push_back(std::move(c));
  }
  for (ParquetCompression compression : {ParquetCompression::kSnappy, ParquetCompression::kNone}) {
    Case c;
    c.name = compression == ParquetCompression::kSnappy ? "varied_snappy" : "varied_none";
    c.compression = compression;
    c.options.row_group_rows = 1000;
    c.rows = VariedRows(2500, 2, 0);
    cases.push_back(std::move(c));
  }
  {
    Case c;
    c.name = "empty";
    cases.push_back(std::move(c));
  }
  {
    Case c;
    c.name = "one_null_row";
    c.rows.resize(1);
    c.rows[0].url = "x";
    cases.push_back(std::move(c));
  }
  {
    // Values larger than a page and a row group byte limit that cuts after every row.
    Case c;
    c.name = "long_values";
    c.options.row_group_bytes = 1 << 20;
    c.rows.resize(3);
    for (size_t i = 0; i < c.rows.size(); ++i) {
      Row& r = c.rows[i];
      r.line = static_cast<int64_t>(i + 1);
      r.url = absl::StrCat("http://long.example/", std::string((size_t{3} << 19) + i, 'u'));
      r.title.Set(std::string(size_t{1} << 20, static_cast<char>('a' + i)));
      r.server.Set(i == 1 ? std::string(70000, '\xFF') : "short");
    }
    // The byte limit is checked after each Write() batch: one row per Write() cuts after every row.
    c.max_batch = 1;
    c.row_groups = {1, 1, 1};
    cases.push_back(std::move(c));
  }
  {
    // --resume after a crash: row groups before the checkpoint, a torn tail cut off, rows after it.
    Case c;
    c.name = "resumed_after_crash";
    c.options.row_group_rows = 400;
    c.rows = VariedRows(2000, 4, 0);
    c.flush_after = {500, 1100};
    c.crash_after = 1100;
    cases.push_back(std::move(c));
  }
  {
    // The default limits: 230,000 rows make row groups of 100,000, 100,000 and 30,000.
    Case c;
    c.name = "default_limits";
    c.rows = VariedRows(230'000, 3, 0);
    c.sample_every = 997;
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace
}  // namespace urlsweep

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  for (const urlsweep::Case& c : urlsweep::Cases()) {
    if (!urlsweep::WriteCase(argv[1], c)) return 1;
  }
  return 0;
}
