// The Parquet RowWriter end to end: files it writes are taken apart by the independent test reader
// (parquet_test_reader.h). DuckDB and hyparquet read them in tests/output/parquet_readback.
#include "output/parquet/parquet_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "output/parquet/utf8_sanitizer.h"
#include "core/errors.h"
#include "core/row.h"
#include "tests/output/file_size_limit.h"
#include "tests/output/parquet_test_reader.h"
#include "tests/test_environment.h"

namespace urlsweep {
namespace {

using parquet_test::DecodedColumn;
using parquet_test::ParquetFile;
using parquet_test::PlainAs;
using parquet_test::ReadColumn;

// Column indices in the order of docs/output.md.
enum Column : size_t {
  kLine = 0, kUrl = 1, kFinalUrl = 2, kHost = 3, kIp = 4, kPort = 5, kStatus = 6, kReason = 7,
  kError = 9, kRedirects = 11, kContentLength = 14, kServer = 15, kTitle = 16, kCertNotAfter = 20,
  kAttempts = 21, kDnsMs = 22, kTotalMs = 26, kStartedAt = 27,
};

// Parquet enum values (parquet.thrift) the tests look for.
constexpr int kPageData = 0, kPageDictionary = 2;
constexpr int kEncodingPlain = 0, kEncodingRleDictionary = 8;

class ParquetWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = ::testing::TempDir() + "/parquet_writer_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".parquet";
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  std::unique_ptr<OutputFile> NewFile() {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0);
    return std::make_unique<OutputFile>(fd, path_);
  }

  std::string FileBytes() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  // Writes `rows` (in one Write per row, as a slow scan would) and closes; returns the parsed file.
  ParquetFile WriteAll(const std::vector<Row>& rows, ParquetWriterOptions options = {},
                       ParquetCompression compression = ParquetCompression::kZstd) {
    auto file = NewFile();
    Config config;
    config.parquet_compression = compression;
    config.flags_text = "--format parquet --per-host 2";
    auto writer = MakeParquetWriter(config, file.get(), options);
    EXPECT_TRUE(writer->Open(false).ok());
    for (const Row& row : rows) EXPECT_TRUE(writer->Write(absl::MakeConstSpan(&row, 1)).ok());
    EXPECT_TRUE(writer->Close().ok());
    ParquetFile parsed = parquet_test::ParseParquet(FileBytes());
    EXPECT_TRUE(parsed.ok) << parsed.error;
    return parsed;
  }

  std::string path_;
};

Row MinimalRow(int64_t line) {
  Row row;
  row.line = line;
  row.url = "http://example.com/" + std::to_string(line);
  return row;
}

TEST_F(ParquetWriterTest, EmptyOutputIsAValidFileWithTheFullSchema) {
  const ParquetFile file = WriteAll({});
  ASSERT_TRUE(file.ok);
  EXPECT_EQ(file.bytes.substr(0, 4), "PAR1");
  EXPECT_EQ(file.metadata[3].i, 0);  // num_rows
  EXPECT_TRUE(file.row_groups().empty());
  const std::vector<parquet_test::Thrift> columns = file.columns();
  ASSERT_EQ(columns.size(), kColumnNames.size());
  EXPECT_EQ(file.metadata[2].list[0][5].i, 30);  // the root's num_children
  for (size_t i = 0; i < columns.size(); ++i) EXPECT_EQ(columns[i][4].bin, kColumnNames[i]);
}

TEST_F(ParquetWriterTest, SchemaHasTheContractTypesAndAnnotations) {
  const ParquetFile file = WriteAll({MinimalRow(1)});
  const std::vector<parquet_test::Thrift> c = file.columns();
  ASSERT_EQ(c.size(), 30u);
  // Physical types: 1 INT32, 2 INT64, 5 DOUBLE, 6 BYTE_ARRAY.
  EXPECT_EQ(c[kLine][1].i, 2);
  EXPECT_EQ(c[kUrl][1].i, 6);
  EXPECT_EQ(c[kPort][1].i, 1);
  EXPECT_EQ(c[kContentLength][1].i, 2);
  EXPECT_EQ(c[kDnsMs][1].i, 5);
  // REQUIRED (0) exactly for line, url, redirects, attempts.
  for (size_t i = 0; i < c.size(); ++i) {
    const bool required = i == kLine || i == kUrl || i == kRedirects || i == kAttempts;
    EXPECT_EQ(c[i][3].i, required ? 0 : 1) << kColumnNames[i];
  }
  // Strings: ConvertedType UTF8 (0) and LogicalType STRING (union field 1).
  EXPECT_EQ(c[kHost][6].i, 0);
  EXPECT_TRUE(c[kHost][10].has(1));
  // Timestamps: ConvertedType TIMESTAMP_MICROS (10), LogicalType TIMESTAMP (8) adjusted to UTC in
  // MICROS (TimeUnit field 2).
  for (size_t i : {size_t{kCertNotAfter}, size_t{kStartedAt}}) {
    EXPECT_EQ(c[i][1].i, 2);
    EXPECT_EQ(c[i][6].i, 10);
    const parquet_test::Thrift& ts = c[i][10][8];
    EXPECT_EQ(ts[1].i, 1);
    EXPECT_TRUE(ts[2].has(2));
  }
  EXPECT_FALSE(c[kLine].has(10));
  // Every column declares the type-defined order for its statistics.
  ASSERT_EQ(file.metadata[7].list.size(), 30u);
  EXPECT_TRUE(file.metadata[7].list[0].has(1));
}

TEST_F(ParquetWriterTest, KeyValueMetadataCarriesVersionAndFlags) {
  const ParquetFile file = WriteAll({});
  std::map<std::string, std::string> kv;
  for (const auto& entry : file.metadata[5].list) kv[entry[1].bin] = entry[2].bin;
  EXPECT_EQ(kv["urlsweep.version"], kVersion);
  EXPECT_EQ(kv["urlsweep.flags"], "--format parquet --per-host 2");
  EXPECT_EQ(file.metadata[6].bin, std::string("urlsweep version ") + kVersion);
}

TEST_F(ParquetWriterTest, ValuesRoundTripWithNulls) {
  std::vector<Row> rows;
  Row full = MinimalRow(7);
  full.final_url.Set("https://example.com/");
  full.host.Set("example.com");
  full.ip.Set("127.0.0.1");
  full.port = 443;
  full.status = 200;
  full.reason.Set("OK");
  full.redirects = 1;
  full.content_length = -5;
  full.cert_not_after_us = -1;
  full.attempts = 2;
  full.dns_ms = 1.25;
  full.total_ms = std::numeric_limits<double>::quiet_NaN();
  full.started_at_us = 1764433551123456;
  rows.push_back(full);
  Row failed = MinimalRow(std::numeric_limits<int64_t>::max());
  failed.error = ErrorCode::kDnsNxdomain;
  failed.attempts = 1;
  rows.push_back(failed);

  for (ParquetCompression compression :
       {ParquetCompression::kZstd, ParquetCompression::kSnappy, ParquetCompression::kNone}) {
    const ParquetFile file = WriteAll(rows, {}, compression);
    ASSERT_EQ(file.row_groups().size(), 1u);
    EXPECT_EQ(file.metadata[3].i, 2);
    const int codec = compression == ParquetCompression::kZstd ? 6 : compression == ParquetCompression::kSnappy ? 1 : 0;
    for (size_t c = 0; c < 28; ++c) {
      EXPECT_EQ(file.row_groups()[0][1].list[c][3][4].i, codec);
      const DecodedColumn column = ReadColumn(file, 0, c);
      ASSERT_TRUE(column.ok) << kColumnNames[c] << ": " << column.error;
      ASSERT_EQ(column.values.size(), 2u);
    }
    EXPECT_EQ(PlainAs<int64_t>(*ReadColumn(file, 0, kLine).values[1]), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(ReadColumn(file, 0, kUrl).values[0], "http://example.com/7");
    EXPECT_EQ(ReadColumn(file, 0, kHost).values[0], "example.com");
    EXPECT_EQ(ReadColumn(file, 0, kHost).values[1], std::nullopt);
    EXPECT_EQ(PlainAs<int32_t>(*ReadColumn(file, 0, kPort).values[0]), 443);
    EXPECT_EQ(ReadColumn(file, 0, kError).values[0], std::nullopt);
    EXPECT_EQ(ReadColumn(file, 0, kError).values[1], "dns_nxdomain");
    EXPECT_EQ(PlainAs<int64_t>(*ReadColumn(file, 0, kContentLength).values[0]), -5);
    EXPECT_EQ(PlainAs<int64_t>(*ReadColumn(file, 0, kCertNotAfter).values[0]), -1);
    EXPECT_EQ(PlainAs<int32_t>(*ReadColumn(file, 0, kAttempts).values[1]), 1);
    EXPECT_EQ(PlainAs<double>(*ReadColumn(file, 0, kDnsMs).values[0]), 1.25);
    EXPECT_TRUE(std::isnan(PlainAs<double>(*ReadColumn(file, 0, kTotalMs).values[0])));
    EXPECT_EQ(PlainAs<int64_t>(*ReadColumn(file, 0, kStartedAt).values[0]), 1764433551123456);
    EXPECT_EQ(ReadColumn(file, 0, kStartedAt).values[1], std::nullopt);
  }
}

TEST_F(ParquetWriterTest, InvalidUtf8IsReplaced) {
  Row row = MinimalRow(1);
  row.url = "http://x/\xFF";
  row.title.Set("caf\xC3\xA9 \xE0\x80 \xF0\x9F\x98");
  row.server.Set(std::string("nul\0ok", 6));
  const ParquetFile file = WriteAll({row});
  EXPECT_EQ(ReadColumn(file, 0, kUrl).values[0], "http://x/\xEF\xBF\xBD");
  EXPECT_EQ(ReadColumn(file, 0, kTitle).values[0], "caf\xC3\xA9 \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD");
  EXPECT_EQ(ReadColumn(file, 0, kServer).values[0], std::string("nul\0ok", 6));
}

TEST_F(ParquetWriterTest, RowGroupsAreWrittenAsRowsArrive) {
  auto file = NewFile();
  Config config;
  ParquetWriterOptions options;
  options.row_group_rows = 10;
  auto writer = MakeParquetWriter(config, file.get(), options);
  ASSERT_TRUE(writer->Open(false).ok());
  std::vector<Row> rows;
  for (int i = 1; i <= 25; ++i) rows.push_back(MinimalRow(i));
  ASSERT_TRUE(writer->Write(absl::MakeConstSpan(rows).subspan(0, 9)).ok());
  EXPECT_EQ(file->offset(), 4);  // only the magic: the row group is not full
  ASSERT_TRUE(writer->Write(absl::MakeConstSpan(rows).subspan(9, 1)).ok());
  const int64_t after_first = file->offset();
  EXPECT_GT(after_first, 4);
  ASSERT_TRUE(writer->Write(absl::MakeConstSpan(rows).subspan(10)).ok());
  EXPECT_GT(file->offset(), after_first);
  ASSERT_TRUE(writer->Close().ok());
  const ParquetFile parsed = parquet_test::ParseParquet(FileBytes());
  ASSERT_TRUE(parsed.ok) << parsed.error;
  ASSERT_EQ(parsed.row_groups().size(), 3u);
  EXPECT_EQ(parsed.row_groups()[0][3].i, 10);
  EXPECT_EQ(parsed.row_groups()[1][3].i, 10);
  EXPECT_EQ(parsed.row_groups()[2][3].i, 5);
  EXPECT_EQ(parsed.metadata[3].i, 25);
  const DecodedColumn lines = ReadColumn(parsed, 2, kLine);
  ASSERT_TRUE(lines.ok) << lines.error;
  EXPECT_EQ(PlainAs<int64_t>(*lines.values[0]), 21);
  // Row group offsets point at their first page.
  EXPECT_EQ(parsed.row_groups()[0][5].i, 4);
  EXPECT_EQ(parsed.row_groups()[1][5].i, parsed.row_groups()[1][1].list[0][3][9].i);
}

TEST_F(ParquetWriterTest, FlushClosesTheRowGroupAndNothingElse) {
  auto file = NewFile();
  Config config;
  auto writer = MakeParquetWriter(config, file.get());
  ASSERT_TRUE(writer->Open(false).ok());
  std::vector<Row> rows = {MinimalRow(1), MinimalRow(2), MinimalRow(3)};
  ASSERT_TRUE(writer->Write(rows).ok());
  ASSERT_TRUE(writer->Flush().ok());
  ASSERT_TRUE(writer->Flush().ok());  // nothing buffered: no empty row group
  // Flush pushed the bytes to the file itself.
  EXPECT_EQ(static_cast<int64_t>(FileBytes().size()), file->offset());
  ASSERT_TRUE(writer->Write(absl::MakeConstSpan(rows).subspan(0, 2)).ok());
  ASSERT_TRUE(writer->Close().ok());
  const ParquetFile parsed = parquet_test::ParseParquet(FileBytes());
  ASSERT_TRUE(parsed.ok) << parsed.error;
  ASSERT_EQ(parsed.row_groups().size(), 2u);
  EXPECT_EQ(parsed.row_groups()[0][3].i, 3);
  EXPECT_EQ(parsed.row_groups()[1][3].i, 2);
}

TEST_F(ParquetWriterTest, ByteLimitCutsRowGroupsOfLongRows) {
  std::vector<Row> rows;
  for (int i = 0; i < 40; ++i) {
    Row row = MinimalRow(i);
    row.title.Set(std::string(1000, static_cast<char>('a' + i % 26)) + std::to_string(i));
    rows.push_back(row);
  }
  ParquetWriterOptions options;
  options.row_group_bytes = 8000;
  const ParquetFile file = WriteAll(rows, options);
  // About 1,050 bytes a row: each row group closes at its eighth row.
  ASSERT_EQ(file.row_groups().size(), 5u);
  for (const auto& group : file.row_groups()) EXPECT_EQ(group[3].i, 8);
}

TEST_F(ParquetWriterTest, RepetitiveStringsAreDictionaryEncoded) {
  std::vector<Row> rows;
  for (int i = 0; i < 200; ++i) {
    Row row = MinimalRow(i);
    row.server.Set(i % 3 == 0 ? "nginx" : "Apache");
    if (i % 5 != 0) row.reason.Set("OK");
    row.ip.Set("10.0.0." + std::to_string(i));  // distinct: a dictionary would only add indices
    rows.push_back(row);
  }
  const ParquetFile file = WriteAll(rows);
  const DecodedColumn server = ReadColumn(file, 0, kServer);
  ASSERT_TRUE(server.ok) << server.error;
  EXPECT_EQ(server.page_types, (std::vector<int>{kPageDictionary, kPageData}));
  EXPECT_EQ(server.data_encodings, (std::vector<int>{kEncodingRleDictionary}));
  for (int i = 0; i < 200; ++i) EXPECT_EQ(server.values[i], i % 3 == 0 ? "nginx" : "Apache");
  const parquet_test::Thrift& meta = file.row_groups()[0][1].list[kServer][3];
  EXPECT_TRUE(meta.has(11));  // dictionary_page_offset
  EXPECT_LT(meta[11].i, meta[9].i);
  const DecodedColumn reason = ReadColumn(file, 0, kReason);
  ASSERT_TRUE(reason.ok) << reason.error;
  for (int i = 0; i < 200; ++i) EXPECT_EQ(reason.values[i], i % 5 != 0 ? std::optional<std::string>("OK") : std::nullopt);
  // URLs are unique per row: PLAIN.
  EXPECT_EQ(ReadColumn(file, 0, kUrl).data_encodings, (std::vector<int>{kEncodingPlain}));
  const DecodedColumn ip = ReadColumn(file, 0, kIp);
  ASSERT_TRUE(ip.ok) << ip.error;
  EXPECT_EQ(ip.page_types, (std::vector<int>{kPageData}));
  EXPECT_EQ(ip.values[199], "10.0.0.199");
}

TEST_F(ParquetWriterTest, OversizedOrUselessDictionariesFallBackToPlain) {
  std::vector<Row> rows;
  for (int i = 0; i < 300; ++i) {
    Row row = MinimalRow(i);
    row.host.Set("host-" + std::to_string(i) + ".example");  // all distinct
    row.server.Set(i < 150 ? "same" : "server-" + std::to_string(i));  // grows past the limit midway
    rows.push_back(row);
  }
  ParquetWriterOptions options;
  options.max_dictionary_bytes = 512;
  const ParquetFile file = WriteAll(rows, options);
  for (size_t column : {size_t{kHost}, size_t{kServer}}) {
    const DecodedColumn decoded = ReadColumn(file, 0, column);
    ASSERT_TRUE(decoded.ok) << decoded.error;
    EXPECT_EQ(decoded.page_types, (std::vector<int>{kPageData})) << kColumnNames[column];
    EXPECT_EQ(decoded.data_encodings, (std::vector<int>{kEncodingPlain})) << kColumnNames[column];
    for (int i = 0; i < 300; ++i) {
      const std::string want(column == kHost ? rows[i].host.view() : rows[i].server.view());
      EXPECT_EQ(decoded.values[i], want);
    }
  }
}

TEST_F(ParquetWriterTest, LargeChunksAreSplitIntoPages) {
  std::vector<Row> rows;
  for (int i = 0; i < 100; ++i) {
    Row row = MinimalRow(i);
    if (i % 4) row.content_length = i;
    rows.push_back(row);
  }
  ParquetWriterOptions options;
  options.page_bytes = 64;
  const ParquetFile file = WriteAll(rows, options);
  const DecodedColumn url = ReadColumn(file, 0, kUrl);
  ASSERT_TRUE(url.ok) << url.error;
  EXPECT_GT(url.page_types.size(), 20u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(url.values[i], rows[i].url);
  const DecodedColumn length = ReadColumn(file, 0, kContentLength);
  ASSERT_TRUE(length.ok) << length.error;
  EXPECT_EQ(length.page_types.size(), 13u);  // 8 rows (64 bytes of INT64) per page
  for (int i = 0; i < 100; ++i) {
    if (i % 4) {
      EXPECT_EQ(PlainAs<int64_t>(*length.values[i]), i);
    } else {
      EXPECT_EQ(length.values[i], std::nullopt);
    }
  }
}

TEST_F(ParquetWriterTest, StatisticsFollowTheTypeOrder) {
  std::vector<Row> rows;
  Row a = MinimalRow(-5);
  a.host.Set("b");
  a.content_length = 3;
  a.dns_ms = std::numeric_limits<double>::quiet_NaN();
  a.connect_ms = 0.0;
  rows.push_back(a);
  Row b = MinimalRow(3);
  b.host.Set("a\xC3\xA9");
  b.content_length = -7;
  b.dns_ms = 2.5;
  b.connect_ms = -0.0;
  rows.push_back(b);
  Row c = MinimalRow(0);
  c.host.Set("\xFF");  // repaired to U+FFFD, which sorts after "b" byte-wise
  c.title.Set(std::string(5000, 'x'));
  rows.push_back(c);
  rows.push_back(MinimalRow(1));
  const ParquetFile file = WriteAll(rows);
  auto stats = [&](size_t column) -> const parquet_test::Thrift& {
    return file.row_groups()[0][1].list[column][3][12];
  };
  EXPECT_EQ(PlainAs<int64_t>(stats(kLine)[6].bin), -5);
  EXPECT_EQ(PlainAs<int64_t>(stats(kLine)[5].bin), 3);
  EXPECT_EQ(stats(kLine)[3].i, 0);
  EXPECT_EQ(stats(kHost)[6].bin, "a\xC3\xA9");
  EXPECT_EQ(stats(kHost)[5].bin, "\xEF\xBF\xBD");
  EXPECT_EQ(stats(kHost)[3].i, 1);
  EXPECT_EQ(PlainAs<int64_t>(stats(kContentLength)[6].bin), -7);
  EXPECT_EQ(stats(kContentLength)[3].i, 2);
  // NaN stays out of min/max and is counted.
  EXPECT_EQ(PlainAs<double>(stats(kDnsMs)[6].bin), 2.5);
  EXPECT_EQ(PlainAs<double>(stats(kDnsMs)[5].bin), 2.5);
  EXPECT_EQ(stats(kDnsMs)[9].i, 1);
  // Zero bounds: -0.0 as min, +0.0 as max.
  EXPECT_TRUE(std::signbit(PlainAs<double>(stats(kDnsMs + 1)[6].bin)));
  EXPECT_FALSE(std::signbit(PlainAs<double>(stats(kDnsMs + 1)[5].bin)));
  // A very long value: null count only.
  EXPECT_EQ(stats(kTitle)[3].i, 3);
  EXPECT_FALSE(stats(kTitle).has(5));
  EXPECT_FALSE(stats(kTitle).has(6));
  // An all-null column: null count, no bounds.
  EXPECT_EQ(stats(kIp)[3].i, 4);
  EXPECT_FALSE(stats(kIp).has(6));
}

// Byte-wise order of unsigned bytes: STRING's type-defined order.
bool ByteLess(std::string_view a, std::string_view b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
  });
}

TEST_F(ParquetWriterTest, StringBoundsAreByteWiseAtEveryLength) {
  // Values of 0 to 20 bytes over an alphabet with the smallest and largest ASCII bytes, so that many
  // share a prefix and differ past it, or only in length: both the PLAIN path (url) and the dictionary
  // path (server) must find the byte-wise min and max.
  const std::string alphabet("\0ab\x7f", 4);
  uint64_t seed = 5;
  std::vector<Row> rows;
  for (int i = 0; i < 3000; ++i) {
    Row row = MinimalRow(i);
    std::string value;
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    const size_t length = (seed >> 40) % 21;
    for (size_t k = 0; k < length; ++k) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      value.push_back(alphabet[(seed >> 40) % alphabet.size()]);
    }
    row.url = value;
    row.server.Set(value);
    rows.push_back(row);
  }
  std::string min = rows[0].url;
  std::string max = rows[0].url;
  for (const Row& row : rows) {
    if (ByteLess(row.url, min)) min = row.url;
    if (ByteLess(max, row.url)) max = row.url;
  }
  const ParquetFile file = WriteAll(rows);
  for (size_t column : {size_t{kUrl}, size_t{kServer}}) {
    const parquet_test::Thrift& stats = file.row_groups()[0][1].list[column][3][12];
    EXPECT_EQ(stats[6].bin, min) << kColumnNames[column];
    EXPECT_EQ(stats[5].bin, max) << kColumnNames[column];
  }
}

TEST_F(ParquetWriterTest, LargeWritesMatchTheirRowsWhateverTheyHold) {
  // One Write of many rows, as the scanner's output thread makes them: nulls at every spacing, strings
  // of every length up to 80 bytes, valid and invalid UTF-8 at every position, a dictionary that
  // falls back part way through a batch (host: distinct values, judged after 1,024 of them; server:
  // outgrows max_dictionary_bytes), one that holds (title), and every primitive type.
  std::vector<Row> rows;
  const std::vector<std::string> inserts = {"", "\xC3\xA9", "\xFF", "\xE2\x80", "\xF0\x9F\x98\x80"};
  for (int i = 0; i < 2600; ++i) {
    Row row = MinimalRow(i);
    std::string body(static_cast<size_t>(i % 81), static_cast<char>('a' + i % 26));
    const std::string& insert = inserts[static_cast<size_t>(i / 81) % inserts.size()];
    body.insert(body.size() * static_cast<size_t>(i % 7) / 6, insert);
    row.url = body;
    if (i % 3 != 0) row.host.Set(absl::StrCat("host-", i, ".example"));
    if (i % 5 != 1) row.server.Set(i < 1500 ? (i % 2 ? "nginx" : "Apache") : absl::StrCat("server-", i, body));
    if (i % 4 != 2) row.title.Set(absl::StrCat("Title ", i % 9, i % 10 == 0 ? "\xFF" : ""));
    if (i % 6 == 0) row.error = ErrorCode::kConnectTimeout;
    if (i % 2 == 0) row.status = 200 + i % 300;
    if (i % 7 != 3) row.content_length = int64_t{1} << (i % 40);
    if (i % 11 != 0) row.dns_ms = i * 0.125;
    rows.push_back(row);
  }
  ParquetWriterOptions options;
  options.max_dictionary_bytes = 4096;
  auto file = NewFile();
  Config config;
  auto writer = MakeParquetWriter(config, file.get(), options);
  ASSERT_TRUE(writer->Open(false).ok());
  ASSERT_TRUE(writer->Write(rows).ok());
  ASSERT_TRUE(writer->Close().ok());
  const ParquetFile parsed = parquet_test::ParseParquet(FileBytes());
  ASSERT_TRUE(parsed.ok) << parsed.error;

  auto sanitized = [](std::string_view bytes) {
    std::string out;
    parquet::AppendSanitizedUtf8(bytes, &out);
    return out;
  };
  // Checks every value of a string column; returns its data pages' encodings.
  auto expect_strings = [&](size_t column, auto get) {
    const DecodedColumn decoded = ReadColumn(parsed, 0, column);
    EXPECT_TRUE(decoded.ok) << kColumnNames[column] << ": " << decoded.error;
    EXPECT_EQ(decoded.values.size(), rows.size()) << kColumnNames[column];
    for (size_t i = 0; i < rows.size() && i < decoded.values.size(); ++i) {
      const std::optional<std::string> want = get(rows[i]);
      EXPECT_EQ(decoded.values[i], want ? std::optional<std::string>(sanitized(*want)) : std::nullopt)
          << kColumnNames[column] << " row " << i;
    }
    return decoded.data_encodings;
  };
  auto optional = [](const OptString Row::*member) {
    return [member](const Row& row) {
      return (row.*member).has_value() ? std::optional<std::string>((row.*member).view()) : std::nullopt;
    };
  };
  expect_strings(kUrl, [](const Row& row) { return std::optional<std::string>(row.url); });
  EXPECT_EQ(expect_strings(kHost, optional(&Row::host)), std::vector<int>{kEncodingPlain});
  EXPECT_EQ(expect_strings(kServer, optional(&Row::server)), std::vector<int>{kEncodingPlain});
  EXPECT_EQ(expect_strings(kTitle, optional(&Row::title)), std::vector<int>{kEncodingRleDictionary});
  expect_strings(kError, [](const Row& row) {
    return row.error == ErrorCode::kNone ? std::nullopt : std::optional<std::string>(ErrorName(row.error));
  });
  const DecodedColumn status = ReadColumn(parsed, 0, kStatus);
  const DecodedColumn length = ReadColumn(parsed, 0, kContentLength);
  const DecodedColumn dns = ReadColumn(parsed, 0, kDnsMs);
  ASSERT_TRUE(status.ok && length.ok && dns.ok) << status.error << length.error << dns.error;
  ASSERT_EQ(status.values.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(status.values[i].has_value(), rows[i].status.has_value()) << i;
    if (rows[i].status) {
      EXPECT_EQ(PlainAs<int32_t>(*status.values[i]), *rows[i].status) << i;
    }
    ASSERT_EQ(length.values[i].has_value(), rows[i].content_length.has_value()) << i;
    if (rows[i].content_length) {
      EXPECT_EQ(PlainAs<int64_t>(*length.values[i]), *rows[i].content_length) << i;
    }
    ASSERT_EQ(dns.values[i].has_value(), rows[i].dns_ms.has_value()) << i;
    if (rows[i].dns_ms) {
      EXPECT_EQ(PlainAs<double>(*dns.values[i]), *rows[i].dns_ms) << i;
    }
  }
}

// --resume, as scanner/main.cc drives it: the file is cut at the journal's committed offset (dropping
// the torn tail a kill leaves), reopened at that offset, and a new writer is restored from every
// committed checkpoint state before Open(/*append=*/true).
class ParquetResumeTest : public ParquetWriterTest {
 protected:
  struct Checkpoint {
    int64_t offset = 0;
    std::string state;
  };

  // Flush() then CheckpointState(), as the output thread's checkpoint does.
  static Checkpoint Commit(RowWriter* writer, OutputFile* file, std::vector<std::string>* states) {
    EXPECT_TRUE(writer->Flush().ok());
    Checkpoint c{file->offset(), writer->CheckpointState()};
    states->push_back(c.state);
    return c;
  }

  // What a kill leaves past the committed offset: part of a row group and then anything.
  void AppendGarbage(const std::string& bytes) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }

  // Reopens the file the way main.cc does for --resume.
  std::unique_ptr<OutputFile> ReopenAt(int64_t offset) {
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CLOEXEC);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(::ftruncate(fd, offset), 0);
    EXPECT_EQ(::lseek(fd, offset, SEEK_SET), offset);
    auto file = std::make_unique<OutputFile>(fd, path_);
    file->set_start_offset(offset);
    return file;
  }

  static std::vector<Row> Rows(int first, int last) {
    std::vector<Row> rows;
    for (int i = first; i <= last; ++i) {
      Row row = MinimalRow(i);
      row.host.Set(i % 2 ? "odd.example" : "even.example");
      if (i % 3) row.status = 200 + i;
      rows.push_back(row);
    }
    return rows;
  }

  // Every row of the file in order, as "line url host status", after checking the footer's row
  // counts, offsets and ordinals.
  std::vector<std::string> ReadRows() {
    const ParquetFile file = parquet_test::ParseParquet(FileBytes());
    EXPECT_TRUE(file.ok) << file.error;
    std::vector<std::string> out;
    if (!file.ok) return out;
    int64_t rows = 0;
    for (size_t g = 0; g < file.row_groups().size(); ++g) {
      const parquet_test::Thrift& group = file.row_groups()[g];
      EXPECT_EQ(group[7].i, static_cast<int64_t>(g)) << "ordinal";
      EXPECT_EQ(group[5].i, group[1].list[0][3][9].i) << "row group offset is its first page";
      const DecodedColumn line = ReadColumn(file, g, kLine);
      const DecodedColumn url = ReadColumn(file, g, kUrl);
      const DecodedColumn host = ReadColumn(file, g, kHost);
      const DecodedColumn status = ReadColumn(file, g, kStatus);
      EXPECT_TRUE(line.ok && url.ok && host.ok && status.ok) << line.error << url.error << host.error << status.error;
      if (!(line.ok && url.ok && host.ok && status.ok)) return out;
      EXPECT_EQ(static_cast<int64_t>(line.values.size()), group[3].i);
      for (size_t i = 0; i < line.values.size(); ++i) {
        out.push_back(absl::StrCat(PlainAs<int64_t>(*line.values[i]), " ", *url.values[i], " ", *host.values[i], " ",
                                   status.values[i] ? PlainAs<int32_t>(*status.values[i]) : -1));
      }
      rows += group[3].i;
    }
    EXPECT_EQ(file.metadata[3].i, rows) << "FileMetaData.num_rows";
    return out;
  }

  static std::vector<std::string> Expected(const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const Row& r : rows) {
      out.push_back(absl::StrCat(r.line, " ", r.url, " ", std::string(r.host.view()), " ", r.status.value_or(-1)));
    }
    return out;
  }
};

TEST_F(ParquetResumeTest, CrashThenResumeKeepsEveryRowOnceInOrder) {
  Config config;
  ParquetWriterOptions options;
  options.row_group_rows = 7;
  std::vector<std::string> states;
  Checkpoint last;
  {
    auto file = NewFile();
    auto writer = MakeParquetWriter(config, file.get(), options);
    ASSERT_TRUE(writer->Open(false).ok());
    const std::vector<Row> first = Rows(1, 20);
    ASSERT_TRUE(writer->Write(first).ok());  // two full row groups, 6 rows buffered
    Commit(writer.get(), file.get(), &states);
    const std::vector<Row> second = Rows(21, 30);
    ASSERT_TRUE(writer->Write(second).ok());
    last = Commit(writer.get(), file.get(), &states);
    // Written after the last checkpoint, some of it reaching the file: lost in the crash, scanned again.
    const std::vector<Row> lost = Rows(31, 45);
    ASSERT_TRUE(writer->Write(lost).ok());
    ASSERT_TRUE(file->Flush().ok());
    ASSERT_GT(file->offset(), last.offset);
    // The crash: no Close(), no footer.
  }
  AppendGarbage(std::string(1000, '\xA5'));
  ASSERT_EQ(states.size(), 2u);
  EXPECT_FALSE(states[0].empty());
  EXPECT_FALSE(states[1].empty());

  // Resumed with another codec: each column chunk names its own.
  config.parquet_compression = ParquetCompression::kSnappy;
  auto file = ReopenAt(last.offset);
  auto writer = MakeParquetWriter(config, file.get(), options);
  ASSERT_TRUE(writer->Restore(states).ok());
  ASSERT_TRUE(writer->Open(true).ok());
  EXPECT_EQ(file->offset(), last.offset);  // no second magic
  const std::vector<Row> rest = Rows(31, 50);
  ASSERT_TRUE(writer->Write(rest).ok());
  ASSERT_TRUE(writer->Close().ok());

  EXPECT_EQ(ReadRows(), Expected(Rows(1, 50)));
  const ParquetFile parsed = parquet_test::ParseParquet(FileBytes());
  // 7 + 7 + 6 (first checkpoint), 7 + 3 (second), then 7 + 7 + 6 after the resume.
  std::vector<int64_t> sizes;
  for (const auto& group : parsed.row_groups()) sizes.push_back(group[3].i);
  EXPECT_EQ(sizes, (std::vector<int64_t>{7, 7, 6, 7, 3, 7, 7, 6}));
  EXPECT_EQ(parsed.row_groups()[0][1].list[kUrl][3][4].i, 6);  // zstd before the crash
  EXPECT_EQ(parsed.row_groups()[7][1].list[kUrl][3][4].i, 1);  // snappy after
}

TEST_F(ParquetResumeTest, ResumesSeveralTimesAndFromACheckpointWithoutRows) {
  Config config;
  std::vector<std::string> states;
  Checkpoint last;
  {
    auto file = NewFile();
    auto writer = MakeParquetWriter(config, file.get());
    ASSERT_TRUE(writer->Open(false).ok());
    last = Commit(writer.get(), file.get(), &states);  // before any row: just the magic
  }
  EXPECT_EQ(last.offset, 4);
  EXPECT_EQ(last.state, "");
  for (int run = 0; run < 3; ++run) {
    auto file = ReopenAt(last.offset);
    auto writer = MakeParquetWriter(config, file.get());
    ASSERT_TRUE(writer->Restore(states).ok());
    ASSERT_TRUE(writer->Open(true).ok());
    ASSERT_TRUE(writer->Write(Rows(run * 10 + 1, run * 10 + 10)).ok());
    last = Commit(writer.get(), file.get(), &states);
    EXPECT_EQ(Commit(writer.get(), file.get(), &states).state, "");  // nothing new since
    ASSERT_TRUE(writer->Write(Rows(1000, 1001)).ok());  // lost
  }
  {
    auto file = ReopenAt(last.offset);
    auto writer = MakeParquetWriter(config, file.get());
    ASSERT_TRUE(writer->Restore(states).ok());
    ASSERT_TRUE(writer->Open(true).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  EXPECT_EQ(ReadRows(), Expected(Rows(1, 30)));
}

TEST_F(ParquetResumeTest, ResumingAFinishedFileRewritesTheSameFooter) {
  Config config;
  std::vector<std::string> states;
  Checkpoint last;
  {
    auto file = NewFile();
    auto writer = MakeParquetWriter(config, file.get());
    ASSERT_TRUE(writer->Open(false).ok());
    ASSERT_TRUE(writer->Write(Rows(1, 5)).ok());
    last = Commit(writer.get(), file.get(), &states);
    ASSERT_TRUE(writer->Close().ok());
  }
  const std::string finished = FileBytes();
  auto file = ReopenAt(last.offset);  // drops the footer
  auto writer = MakeParquetWriter(config, file.get());
  ASSERT_TRUE(writer->Restore(states).ok());
  ASSERT_TRUE(writer->Open(true).ok());
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_EQ(FileBytes(), finished);
}

TEST_F(ParquetResumeTest, RefusesStatesThatDoNotDescribeTheFile) {
  Config config;
  ParquetWriterOptions options;
  options.row_group_rows = 4;
  std::vector<std::string> states;
  Checkpoint first;
  Checkpoint second;
  {
    auto file = NewFile();
    auto writer = MakeParquetWriter(config, file.get(), options);
    ASSERT_TRUE(writer->Open(false).ok());
    ASSERT_TRUE(writer->Write(Rows(1, 6)).ok());
    first = Commit(writer.get(), file.get(), &states);
    ASSERT_TRUE(writer->Write(Rows(7, 9)).ok());
    second = Commit(writer.get(), file.get(), &states);
  }
  auto refused = [&](const std::vector<std::string>& restore, int64_t offset) {
    auto file = ReopenAt(offset);
    auto writer = MakeParquetWriter(config, file.get(), options);
    absl::Status status = writer->Restore(restore);
    if (status.ok()) status = writer->Open(true);
    EXPECT_EQ(file->offset(), offset);
    EXPECT_NE(status.message().find(path_), absl::string_view::npos) << status;
    return !status.ok() && status.message().find('\n') == absl::string_view::npos;
  };
  // A checkpoint missing (its row groups would be left out of the footer).
  EXPECT_TRUE(refused({states[1]}, second.offset));
  // A damaged state.
  std::string damaged = states[1];
  damaged[0] = '\x7F';
  EXPECT_TRUE(refused({states[0], damaged}, second.offset));
  EXPECT_TRUE(refused({states[0], states[1].substr(0, states[1].size() - 1)}, second.offset));
  // The file cut elsewhere than where the row groups end.
  EXPECT_TRUE(refused(states, first.offset));
}

TEST_F(ParquetWriterTest, MisuseIsReportedNotIgnored) {
  auto file = NewFile();
  Config config;
  auto writer = MakeParquetWriter(config, file.get());
  Row row = MinimalRow(1);
  EXPECT_FALSE(writer->Write(absl::MakeConstSpan(&row, 1)).ok());  // before Open
  ASSERT_TRUE(writer->Open(false).ok());
  ASSERT_TRUE(writer->Close().ok());
  EXPECT_TRUE(writer->Close().ok());  // Close is idempotent
  EXPECT_FALSE(writer->Write(absl::MakeConstSpan(&row, 1)).ok());
}

TEST_F(ParquetWriterTest, WriteErrorsReachTheCaller) {
  const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << kEnvironmentOnlySkip << "no /dev/full";
  OutputFile file(fd, "full.parquet");
  Config config;
  ParquetWriterOptions options;
  options.row_group_rows = 1;
  auto writer = MakeParquetWriter(config, &file, options);
  ASSERT_TRUE(writer->Open(false).ok());
  Row row = MinimalRow(1);
  ASSERT_TRUE(writer->Write(absl::MakeConstSpan(&row, 1)).ok());  // still in the file's buffer
  const absl::Status status = writer->Flush();
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("full.parquet"), absl::string_view::npos) << status;
  // The first failure sticks: a file with no valid footer must not be reported as written.
  EXPECT_FALSE(writer->Write(absl::MakeConstSpan(&row, 1)).ok());
  EXPECT_FALSE(writer->Close().ok());
}

// A write that fails part-way through a row group: Close() ends the file after the row groups that
// reached it whole and writes their footer, so the file reads back as the rows before the failure. When
// even the footer does not fit, the file ends right after those row groups (what --resume's journal
// lists), with nothing torn after them.
TEST_F(ParquetWriterTest, FailedWriteLeavesTheWholeRowGroups) {
  for (bool room_for_footer : {true, false}) {
    SCOPED_TRACE(room_for_footer ? "room for the footer" : "no room for the footer");
    auto file = NewFile();
    Config config;
    config.parquet_compression = ParquetCompression::kNone;
    auto writer = MakeParquetWriter(config, file.get());
    ASSERT_TRUE(writer->Open(false).ok());
    int64_t line = 0;
    // Three row groups of three rows, each on the file (Flush, as a checkpoint does).
    for (int group = 0; group < 3; ++group) {
      for (int i = 0; i < 3; ++i) {
        Row row = MinimalRow(++line);
        ASSERT_TRUE(writer->Write(absl::MakeConstSpan(&row, 1)).ok());
      }
      ASSERT_TRUE(writer->Flush().ok());
    }
    const int64_t whole = file->offset();
    // A fourth, large row group that does not fit.
    std::vector<Row> more;
    for (int i = 0; i < 200; ++i) {
      more.push_back(MinimalRow(++line));
      more.back().title.Set(std::string(500, static_cast<char>('a' + i % 26)));
    }
    absl::Status flush_status, close_status;
    {
      FileSizeLimit limit(static_cast<rlim_t>(whole + 1000));
      if (!limit.ok()) GTEST_SKIP() << kEnvironmentOnlySkip << "cannot lower RLIMIT_FSIZE";
      ASSERT_TRUE(writer->Write(more).ok());
      flush_status = writer->Flush();
      if (!room_for_footer) close_status = writer->Close();
    }
    if (room_for_footer) close_status = writer->Close();
    EXPECT_NE(flush_status.message().find("File too large"), absl::string_view::npos) << flush_status;
    EXPECT_EQ(close_status, flush_status) << "Close reports the first failure";
    const std::string bytes = FileBytes();
    if (!room_for_footer) {
      EXPECT_EQ(static_cast<int64_t>(bytes.size()), whole);
      continue;
    }
    const ParquetFile parsed = parquet_test::ParseParquet(bytes);
    ASSERT_TRUE(parsed.ok) << parsed.error;
    ASSERT_EQ(parsed.row_groups().size(), 3u);
    EXPECT_EQ(parsed.metadata[3].i, 9);  // num_rows
    for (size_t group = 0; group < 3; ++group) {
      const DecodedColumn lines = ReadColumn(parsed, group, kLine);
      ASSERT_EQ(lines.values.size(), 3u);
      for (size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(PlainAs<int64_t>(*lines.values[i]), static_cast<int64_t>(group * 3 + i + 1));
      }
    }
  }
}

}  // namespace
}  // namespace urlsweep
