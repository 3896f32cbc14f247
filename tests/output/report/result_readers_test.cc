// The result readers: rows written by urlsweep's own writers (CsvWriter, JsonlWriter, the Parquet
// writer with every codec and with several row groups and pages) come back as the same Rows, up to what
// each format keeps (three decimals of milliseconds in the text formats, repaired UTF-8 in JSON Lines and
// Parquet, no empty-versus-absent distinction in CSV). Malformed files are refused with a clear line.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "output/column_visitor.h"
#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "output/report/parquet_reader.h"
#include "output/parquet/parquet_writer.h"
#include "output/parquet/utf8_sanitizer.h"
#include "output/report/result_reader.h"
#include "output/text_format.h"
#include "output/writer.h"
#include "core/errors.h"
#include "core/row.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// A Row as the list of its column values, in text, "<null>" for absent: two Rows are equal when their
// lists are. Doubles are printed with every digit so that "equal" means bit-equal.
struct Texts {
  std::vector<std::string> values;
  void Null(int) { values.push_back("<null>"); }
  void Int(int, int64_t v) { values.push_back(absl::StrCat(v)); }
  void String(int, std::string_view v) { values.push_back(std::string(v)); }
  void Timestamp(int, int64_t v) { values.push_back(absl::StrCat("ts:", v)); }
  void Millis(int, double v) { values.push_back(absl::StrFormat("ms:%.17g", v)); }
};

std::vector<std::string> AsTexts(const Row& row) {
  Texts t;
  VisitColumns(row, ExtraColumns::None(), t);
  return t.values;
}

// What the file of `format` keeps of `row`.
Row Expected(const Row& row, OutputFormat format) {
  Row out = row;
  auto fix_string = [&](OptString* s) {
    if (!s->has_value()) return;
    if (format == OutputFormat::kCsv) {
      if (s->view().empty()) s->Clear();  // an empty field reads back as absent
      return;
    }
    std::string clean;
    parquet::AppendSanitizedUtf8(s->view(), &clean);
    s->Set(clean);
  };
  for (OptString* s : {&out.final_url, &out.host, &out.ip, &out.reason, &out.http_version, &out.error_detail,
                       &out.location, &out.content_type, &out.server, &out.title, &out.tls_version, &out.tls_verify}) {
    fix_string(s);
  }
  if (format != OutputFormat::kCsv) {
    std::string clean;
    parquet::AppendSanitizedUtf8(out.url, &clean);
    out.url = clean;
  }
  if (format != OutputFormat::kParquet) {
    for (std::optional<double>* ms : {&out.dns_ms, &out.connect_ms, &out.tls_ms, &out.ttfb_ms, &out.total_ms}) {
      if (!ms->has_value()) continue;
      std::string text;
      AppendMillis(**ms, &text);
      *ms = std::strtod(text.c_str(), nullptr);
    }
  }
  return out;
}

// Rows covering every column present and absent, hostile strings, the value extremes and every error.
std::vector<Row> SampleRows() {
  std::vector<Row> rows;
  Row full;
  full.line = 1;
  full.url = "http://a.test:8080/p?q=1";
  full.final_url.Set("http://a.test:8080/final");
  full.host.Set("a.test");
  full.ip.Set("127.0.1.1");
  full.port = 8080;
  full.status = 200;
  full.reason.Set("OK");
  full.http_version.Set("1.1");
  full.redirects = 2;
  full.location.Set("/elsewhere, \"quoted\"");
  full.content_type.Set("text/html; charset=utf-8");
  full.content_length = 89;
  full.server.Set("urlsweep-fixture");
  full.title.Set("caf\xC3\xA9, \"hi\"\r\nsecond line\ttab \x01");
  full.body_bytes = 89;
  full.tls_version.Set("TLSv1.3");
  full.tls_verify.Set("ok");
  full.cert_not_after_us = 4102444799000000;
  full.attempts = 1;
  full.dns_ms = 0.123456;
  full.connect_ms = 1.5;
  full.tls_ms = 2.25;
  full.ttfb_ms = 3.0004;
  full.total_ms = 1234567.8915;
  full.started_at_us = 1764433551123456;
  rows.push_back(full);

  Row empty;
  empty.line = 2;
  empty.url = std::string(9000, 'u');
  empty.error = ErrorCode::kInvalidUrl;
  rows.push_back(empty);

  Row extremes = full;
  extremes.line = std::numeric_limits<int64_t>::max();
  extremes.port = std::numeric_limits<int32_t>::min();
  extremes.status = 999;
  extremes.redirects = std::numeric_limits<int32_t>::max();
  extremes.attempts = std::numeric_limits<int32_t>::min();
  extremes.content_length = std::numeric_limits<int64_t>::min();
  extremes.body_bytes = std::numeric_limits<int64_t>::max();
  extremes.cert_not_after_us = std::numeric_limits<int64_t>::min();
  extremes.started_at_us = -2208988800000001;  // before 1900
  extremes.reason.Set("");                     // present but empty
  extremes.title.Set("bad \xFF\xFE utf-8 \xE2\x82");
  extremes.total_ms = 0.0;
  extremes.dns_ms = -0.0;
  rows.push_back(extremes);

  for (int code = 1; code < kErrorCodeCount; ++code) {
    Row r;
    r.line = 100 + code;
    r.url = absl::StrCat("http://e", code, ".test/");
    r.host.Set(absl::StrCat("e", code % 5, ".test"));
    r.error = static_cast<ErrorCode>(code);
    r.error_detail.Set(absl::StrCat("detail ", code));
    if (code % 3 == 0) r.status = 100 + code * 17;
    r.attempts = 1 + code % 2;
    r.dns_ms = code * 0.5;
    r.started_at_us = 1764433551000000 + code * 1000;
    rows.push_back(r);
  }
  // Many similar rows: dictionary pages, bit-packed index runs, several pages and row groups.
  for (int i = 0; i < 1500; ++i) {
    Row r = full;
    r.line = 1000 + i;
    r.url = absl::StrCat("http://h", i % 37, ".test:8080/", i);
    r.host.Set(absl::StrCat("h", i % 37, ".test"));
    r.status = (i % 7 == 0) ? 404 : 200;
    r.title.Set(absl::StrCat("title ", i % 300));
    r.total_ms = i * 0.37;
    if (i % 11 == 0) r.ttfb_ms.reset();
    if (i % 13 == 0) r.error = ErrorCode::kReadTimeout;
    rows.push_back(r);
  }
  return rows;
}

class ReportReadersTest : public ::testing::Test {
 protected:
  std::string Path(std::string_view extension) {
    std::string path = absl::StrCat(::testing::TempDir(), "/report_readers_", ::getpid(), "_",
                                    ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_", paths_.size(),
                                    std::string(extension));
    paths_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const std::string& p : paths_) ::unlink(p.c_str());
  }

  std::string Write(OutputFormat format, const std::vector<Row>& rows,
                    ParquetCompression compression = ParquetCompression::kZstd, ParquetWriterOptions options = {}) {
    const char* ext = format == OutputFormat::kCsv ? ".csv" : format == OutputFormat::kJsonl ? ".jsonl" : ".parquet";
    const std::string path = Path(ext);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    OutputFile file(fd, path);
    Config config;
    config.format = format;
    config.parquet_compression = compression;
    std::unique_ptr<RowWriter> writer;
    if (format == OutputFormat::kCsv) {
      writer = std::make_unique<CsvWriter>(&file);
    } else if (format == OutputFormat::kJsonl) {
      writer = std::make_unique<JsonlWriter>(&file);
    } else {
      writer = MakeParquetWriter(config, &file, options);
    }
    EXPECT_TRUE(writer->Open(false).ok());
    // In several batches, as a scan writes.
    for (size_t i = 0; i < rows.size(); i += 100) {
      const size_t n = std::min<size_t>(100, rows.size() - i);
      EXPECT_TRUE(writer->Write(absl::MakeConstSpan(rows.data() + i, n)).ok());
    }
    EXPECT_TRUE(writer->Close().ok());
    return path;
  }

  // The rows as a compressed text output: written through the factory with a Flush after every batch of
  // 100, so the file holds one gzip member / zstd frame per batch, as a scan's checkpoints make.
  std::string WriteCompressed(OutputFormat format, OutputCompression compression, const std::vector<Row>& rows,
                              std::string_view name) {
    const std::string path = Path(name);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    OutputFile file(fd, path);
    Config config;
    config.format = format;
    config.compression = compression;
    std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
    EXPECT_TRUE(writer->Open(false).ok());
    for (size_t i = 0; i < rows.size(); i += 100) {
      const size_t n = std::min<size_t>(100, rows.size() - i);
      EXPECT_TRUE(writer->Write(absl::MakeConstSpan(rows.data() + i, n)).ok());
      EXPECT_TRUE(writer->Flush().ok());
    }
    EXPECT_TRUE(writer->Close().ok());
    return path;
  }

  void WriteText(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
  }

  static absl::StatusOr<std::vector<Row>> ReadAll(const std::string& path, OutputFormat format) {
    auto reader = OpenResultReader(path, format);
    if (!reader.ok()) return reader.status();
    std::vector<Row> all;
    std::vector<Row> batch;
    while (true) {
      if (absl::Status st = (*reader)->Next(&batch); !st.ok()) return st;
      if (batch.empty()) break;
      all.insert(all.end(), batch.begin(), batch.end());
    }
    return all;
  }

  void ExpectRoundTrip(OutputFormat format, const std::vector<Row>& rows, const std::string& path) {
    absl::StatusOr<std::vector<Row>> back = ReadAll(path, format);
    ASSERT_TRUE(back.ok()) << back.status().message();
    ASSERT_EQ(back->size(), rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      ASSERT_EQ(AsTexts((*back)[i]), AsTexts(Expected(rows[i], format))) << "row " << i;
    }
  }

  std::vector<std::string> paths_;
};

TEST_F(ReportReadersTest, CsvRoundTrip) {
  const std::vector<Row> rows = SampleRows();
  ExpectRoundTrip(OutputFormat::kCsv, rows, Write(OutputFormat::kCsv, rows));
}

TEST_F(ReportReadersTest, JsonlRoundTrip) {
  const std::vector<Row> rows = SampleRows();
  ExpectRoundTrip(OutputFormat::kJsonl, rows, Write(OutputFormat::kJsonl, rows));
}

TEST_F(ReportReadersTest, ParquetRoundTripEveryCodec) {
  const std::vector<Row> rows = SampleRows();
  for (ParquetCompression c : {ParquetCompression::kZstd, ParquetCompression::kSnappy, ParquetCompression::kNone}) {
    ExpectRoundTrip(OutputFormat::kParquet, rows, Write(OutputFormat::kParquet, rows, c));
  }
}

TEST_F(ReportReadersTest, ParquetRoundTripSeveralRowGroupsPagesAndDictionaryFallback) {
  const std::vector<Row> rows = SampleRows();
  ParquetWriterOptions options;
  options.row_group_rows = 333;
  options.page_bytes = 2000;
  options.max_dictionary_bytes = 300;
  const std::string path = Write(OutputFormat::kParquet, rows, ParquetCompression::kSnappy, options);
  ExpectRoundTrip(OutputFormat::kParquet, rows, path);
}

TEST_F(ReportReadersTest, EmptyResults) {
  ExpectRoundTrip(OutputFormat::kCsv, {}, Write(OutputFormat::kCsv, {}));
  ExpectRoundTrip(OutputFormat::kJsonl, {}, Write(OutputFormat::kJsonl, {}));
  ExpectRoundTrip(OutputFormat::kParquet, {}, Write(OutputFormat::kParquet, {}));
}

TEST_F(ReportReadersTest, CsvColumnsByHeaderInAnyOrder) {
  const std::string path = Path(".csv");
  WriteText(path, "status,url,extra,line,total_ms\r\n200,http://x/,ignored,5,1.5\r\n,\"\",,6,\r\n\r\n");
  absl::StatusOr<std::vector<Row>> rows = ReadAll(path, OutputFormat::kCsv);
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].line, 5);
  EXPECT_EQ((*rows)[0].status, 200);
  EXPECT_EQ((*rows)[0].total_ms, 1.5);
  EXPECT_EQ((*rows)[1].line, 6);
  EXPECT_EQ((*rows)[1].url, "");
  EXPECT_FALSE((*rows)[1].status.has_value());
}

TEST_F(ReportReadersTest, MalformedTextFilesAreRefusedWithFileAndLine) {
  struct Case {
    OutputFormat format;
    std::string bytes;
    std::string error;  // after "PATH:"
  };
  const Case cases[] = {
      {OutputFormat::kCsv, "url,status\r\nx,200\r\n",
       "1: the header has no 'line' or 'url' column: not a urlsweep CSV result"},
      {OutputFormat::kCsv, "line,url,status\r\n1,x,200\r\n2,y,abc\r\n",
       "3: column status: expected an integer, got 'abc'"},
      {OutputFormat::kCsv, "line,url\r\n1,x,extra\r\n", "2: 3 fields, but the header has 2"},
      {OutputFormat::kCsv, "line,url\r\n1,\"open\r\n", "3: a quoted field is still open at the end of the file"},
      {OutputFormat::kCsv, "line,url,line\r\n", "1: column 'line' appears twice"},
      {OutputFormat::kCsv, "", " empty file, not even a CSV header"},
      {OutputFormat::kJsonl, "{\"line\":1,\"url\":\"a\"}\n\n{\"line\":2,\"url\":\"b\",\"error\":\"nope\"}\n",
       "3: column error: expected one of urlsweep's error words, got 'nope'"},
      {OutputFormat::kJsonl, "{\"line\":1,\"url\":\"a\"}\n{\"line\":2", "2: offset 9: expected '}'"},
  };
  for (const Case& c : cases) {
    const std::string path = Path(c.format == OutputFormat::kCsv ? ".csv" : ".jsonl");
    WriteText(path, c.bytes);
    absl::StatusOr<std::vector<Row>> rows = ReadAll(path, c.format);
    ASSERT_FALSE(rows.ok()) << c.bytes;
    EXPECT_EQ(std::string(rows.status().message()), path + ":" + c.error);
  }
}

TEST_F(ReportReadersTest, MissingFileAndDirectory) {
  auto missing = OpenResultReader("/nonexistent/results.csv", OutputFormat::kCsv);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("cannot open '/nonexistent/results.csv'"), std::string::npos);
  auto directory = OpenResultReader(::testing::TempDir(), OutputFormat::kJsonl);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(std::string(directory.status().message()).find("it is a directory"), std::string::npos);
}

// Compressed results (out.csv.gz, out.jsonl.zst): read decompressed, every member/frame, whatever the
// name says; a stream cut inside a member is an error, not fewer rows.
TEST_F(ReportReadersTest, CompressedResultsRoundTrip) {
  std::vector<Row> rows;
  while (rows.size() < 450) {
    for (const Row& row : SampleRows()) rows.push_back(row);
  }
  for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
    for (OutputCompression compression : {OutputCompression::kGzip, OutputCompression::kZstd}) {
      SCOPED_TRACE(absl::StrCat(ToAbsl(OutputFormatName(format)), " ", ToAbsl(OutputCompressionName(compression))));
      const std::string name = absl::StrCat(format == OutputFormat::kCsv ? ".csv" : ".ndjson",
                                            compression == OutputCompression::kGzip ? ".gz" : ".zst");
      const std::string path = WriteCompressed(format, compression, rows, name);
      absl::StatusOr<OutputFormat> detected = DetectResultFormat(path);
      ASSERT_TRUE(detected.ok());
      EXPECT_EQ(*detected, format);
      ExpectRoundTrip(format, rows, path);
      // Renamed without an extension: the format from the decompressed first bytes.
      const std::string renamed = Path(".out");
      ASSERT_EQ(std::rename(path.c_str(), renamed.c_str()), 0);
      detected = DetectResultFormat(renamed);
      ASSERT_TRUE(detected.ok());
      EXPECT_EQ(*detected, format);
      // Cut inside the last member.
      std::ifstream in(renamed, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string cut = Path(name);
      WriteText(cut, std::string_view(bytes).substr(0, bytes.size() - 5));
      absl::StatusOr<std::vector<Row>> back = ReadAll(cut, format);
      ASSERT_FALSE(back.ok());
      EXPECT_EQ(back.status().message(), absl::StrCat("reading ", cut, ": the ", ToAbsl(OutputCompressionName(compression)),
                                                      " stream is cut short"));
    }
  }
}

TEST_F(ReportReadersTest, DetectsTheFormat) {
  const std::vector<Row> rows = SampleRows();
  EXPECT_EQ(*DetectResultFormat("x.csv"), OutputFormat::kCsv);
  EXPECT_EQ(*DetectResultFormat("x.jsonl"), OutputFormat::kJsonl);
  EXPECT_EQ(*DetectResultFormat("x.parquet"), OutputFormat::kParquet);
  EXPECT_EQ(*DetectResultFormat("x.ndjson"), OutputFormat::kJsonl);
  EXPECT_EQ(*DetectResultFormat("x.json"), OutputFormat::kJsonl);
  EXPECT_EQ(*DetectResultFormat("x.csv.zst"), OutputFormat::kCsv);
  EXPECT_EQ(*DetectResultFormat("-"), OutputFormat::kCsv);
  // Without a known extension, by the first bytes.
  for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl, OutputFormat::kParquet}) {
    const std::string written = Write(format, rows);
    const std::string renamed = Path(".out");
    ASSERT_EQ(std::rename(written.c_str(), renamed.c_str()), 0);
    absl::StatusOr<OutputFormat> detected = DetectResultFormat(renamed);
    ASSERT_TRUE(detected.ok());
    EXPECT_EQ(*detected, format);
  }
  EXPECT_FALSE(DetectResultFormat("/nonexistent/x.out").ok());
}

// Every prefix and every single-byte corruption of a Parquet file: refused or read, never a crash, a
// hang or an unbounded allocation (the sanitizer build turns any out-of-bounds read into a failure).
TEST_F(ReportReadersTest, ParquetCorruptionIsRefusedNotCrashed) {
  // Small rows in three row groups: every byte of the file is tried, so the file is kept short.
  const std::vector<Row> sample = SampleRows();
  const std::vector<Row> rows(sample.begin() + 3, sample.begin() + 15);
  ParquetWriterOptions options;
  options.row_group_rows = 5;
  const std::string path = Write(OutputFormat::kParquet, rows, ParquetCompression::kSnappy, options);
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  const std::string bytes = s.str();

  std::vector<Row> batch;
  auto read_all = [&batch](std::string_view file) -> absl::Status {
    absl::StatusOr<ParquetReader> reader = ParquetReader::Open(file);
    if (!reader.ok()) return reader.status();
    for (size_t g = 0; g < reader->row_group_count(); ++g) {
      if (absl::Status st = reader->ReadRowGroup(g, &batch); !st.ok()) return st;
    }
    return absl::OkStatus();
  };
  ASSERT_TRUE(read_all(bytes).ok());
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(read_all(std::string_view(bytes).substr(0, n)).ok()) << "prefix " << n;
  }
  int refused = 0;
  std::string corrupt = bytes;
  for (size_t i = 0; i < bytes.size(); ++i) {
    // The lowest bit (a small change to a length or an id) and all bits, on alternate bytes.
    corrupt[i] = static_cast<char>(bytes[i] ^ (i % 2 == 0 ? 0x01 : 0xff));
    refused += read_all(corrupt).ok() ? 0 : 1;
    corrupt[i] = bytes[i];
  }
  // Most corruptions hit a length, an offset, a codec frame or the footer and are noticed; the rest
  // change a value inside a page, which no format check can see.
  EXPECT_GT(refused, static_cast<int>(bytes.size() / 2));
}

TEST_F(ReportReadersTest, ParquetRefusalsNameTheProblem) {
  const std::string path = Path(".parquet");
  WriteText(path, "PAR1 this is not parquet PAR1");
  auto reader = OpenResultReader(path, OutputFormat::kParquet);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(std::string(reader.status().message()),
            path + ": not a readable Parquet file: footer length past the file");
  WriteText(path, "line,url\r\n1,http://x.test/\r\n");
  reader = OpenResultReader(path, OutputFormat::kParquet);
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(std::string(reader.status().message()), path + ": not a readable Parquet file: no PAR1 magic at both ends");
}

}  // namespace
}  // namespace urlsweep
