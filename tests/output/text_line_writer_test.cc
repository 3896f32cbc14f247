// TextLineWriter (`--format text`): the exact lines for rows with a status, an error or both, the colour
// codes, control bytes made harmless, and the writer through a real file (no colour: not a terminal).
#include "output/text_line_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "core/options.h"
#include "core/row.h"
#include "output/writer.h"
// Every allocation in this test binary is counted, so a test can show that a warm writer allocates
// nothing per row.
#include "tests/counting_new.h"

namespace urlsweep {
namespace {

std::string Line(const Row& row, bool colour = false) {
  std::string out;
  TextLineWriter::AppendLine(row, colour, &out);
  return out;
}

Row Answered(int32_t status, std::string_view title, double total_ms) {
  Row row;
  row.line = 1;
  row.url = "http://example.test/";
  row.status = status;
  if (!title.empty()) row.title.Set(title);
  row.total_ms = total_ms;
  return row;
}

Row Failed(ErrorCode code, std::string_view detail) {
  Row row;
  row.line = 2;
  row.url = "http://nx.test/";
  row.error = code;
  row.error_detail.Set(detail);
  row.total_ms = 3.0;
  return row;
}

TEST(TextLineWriterTest, PlainLines) {
  EXPECT_EQ(Line(Answered(200, "Example Domain", 123.456)), "http://example.test/ 200 Example Domain 123.5 ms\n");
  EXPECT_EQ(Line(Answered(404, "", 0.04)), "http://example.test/ 404 0.0 ms\n");
  EXPECT_EQ(Line(Failed(ErrorCode::kDnsNxdomain, "domain name not found")),
            "http://nx.test/ dns_nxdomain: domain name not found\n");
  Row no_detail = Failed(ErrorCode::kTimeout, "");
  EXPECT_EQ(Line(no_detail), "http://nx.test/ timeout\n");
  // The head arrived, then the body failed: both the status and the error, no title or time.
  Row both = Answered(200, "Half", 50);
  both.error = ErrorCode::kReadReset;
  both.error_detail.Set("connection reset by peer");
  EXPECT_EQ(Line(both), "http://example.test/ 200 read_reset: connection reset by peer\n");
  Row bare;
  bare.url = "x";
  EXPECT_EQ(Line(bare), "x\n");
}

TEST(TextLineWriterTest, ColoursByClass) {
  EXPECT_EQ(Line(Answered(204, "", 1), true), "http://example.test/ \x1b[32m204\x1b[0m 1.0 ms\n");
  EXPECT_EQ(Line(Answered(301, "", 1), true), "http://example.test/ \x1b[33m301\x1b[0m 1.0 ms\n");
  EXPECT_EQ(Line(Answered(404, "Gone", 1), true), "http://example.test/ \x1b[31m404\x1b[0m Gone 1.0 ms\n");
  EXPECT_EQ(Line(Answered(503, "", 1), true), "http://example.test/ \x1b[31m503\x1b[0m 1.0 ms\n");
  EXPECT_EQ(Line(Failed(ErrorCode::kConnectRefused, "connection refused"), true),
            "http://nx.test/ \x1b[31mconnect_refused: connection refused\x1b[0m\n");
  // 1xx and codes outside 100..599 get no colour.
  EXPECT_EQ(Line(Answered(101, "", 1), true), "http://example.test/ 101 1.0 ms\n");
  EXPECT_EQ(Line(Answered(799, "", 1), true), "http://example.test/ 799 1.0 ms\n");
}

// A hostile title or URL must not reach the terminal as escape sequences: C0, DEL and C1 become '?',
// other UTF-8 stays.
TEST(TextLineWriterTest, ControlBytesBecomeQuestionMarks) {
  Row row = Answered(200, "a\x1b]0;pwned\x07z \xc2\x9b" "31m\xc3\xa9\x7f", 1);
  row.url = "http://h.test/\r\nX";
  EXPECT_EQ(Line(row), "http://h.test/??X 200 a?]0;pwned?z ?31m\xc3\xa9? 1.0 ms\n");
  std::string out;
  TextLineWriter::AppendVisible("\xc2", &out);  // a lone lead byte at the end stays as it is
  EXPECT_EQ(out, "\xc2");
}

std::string TempPath(const char* stem) {
  static std::atomic<int> counter{0};
  return absl::StrCat(testing::TempDir(), "urlsweep_text_line_", getpid(), "_", counter++, "_", stem);
}

std::string ReadAll(const std::string& path) {
  std::string bytes;
  FILE* f = fopen(path.c_str(), "rb");
  if (f == nullptr) return bytes;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), f)) > 0) bytes.append(buffer, n);
  fclose(f);
  return bytes;
}

// Through MakeRowWriter into a regular file: no colour (not a terminal), no preamble, and a resumed
// file continues with the next line.
TEST(TextLineWriterTest, FileGetsPlainLinesAndAppends) {
  const std::string path = TempPath("rows.txt");
  Config config;
  config.format = OutputFormat::kText;
  {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0);
    OutputFile file(fd, path);
    auto writer = MakeRowWriter(config, &file);
    ASSERT_TRUE(writer->Open(false).ok());
    Row rows[] = {Answered(200, "T", 2), Failed(ErrorCode::kDnsNxdomain, "nx")};
    ASSERT_TRUE(writer->Write(rows).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  {
    int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    OutputFile file(fd, path);
    auto writer = MakeRowWriter(config, &file);
    ASSERT_TRUE(writer->Open(true).ok());
    Row rows[] = {Answered(500, "", 1)};
    ASSERT_TRUE(writer->Write(rows).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  EXPECT_EQ(ReadAll(path),
            "http://example.test/ 200 T 2.0 ms\nhttp://nx.test/ dns_nxdomain: nx\nhttp://example.test/ 500 1.0 ms\n");
  unlink(path.c_str());
}

TEST(TextLineWriterTest, WarmWriterDoesNotAllocate) {
  const std::string path = TempPath("warm.txt");
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  OutputFile file(fd, path);
  TextLineWriter writer(&file, /*colour=*/true);
  ASSERT_TRUE(writer.Open(false).ok());
  Row rows[] = {Answered(200, "A title", 12.5), Failed(ErrorCode::kTimeout, "budget")};
  ASSERT_TRUE(writer.Write(rows).ok());
  ASSERT_TRUE(writer.Flush().ok());
  const int64_t before = CountedAllocations();
  // Flushed each time, as the output thread does: the OutputFile's own list of Append ends stays short.
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(writer.Write(rows).ok());
    ASSERT_TRUE(writer.Flush().ok());
  }
  EXPECT_EQ(CountedAllocations(), before);
  ASSERT_TRUE(writer.Close().ok());
  unlink(path.c_str());
}

}  // namespace
}  // namespace urlsweep
