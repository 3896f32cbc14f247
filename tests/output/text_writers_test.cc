// The CSV and JSON Lines writers (TextRowWriter and its two encodings), through real descriptors: rows
// are written to temp files, read back as bytes and compared exactly; python3's json and csv modules then
// read the files as independent parsers. The value formats are tested in text_format_test.cc, OutputFile
// alone in output_file_test.cc.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "output/column_visitor.h"
#include "output/csv_writer.h"
#include "output/jsonl_writer.h"
#include "output/text_format.h"
#include "output/writer.h"
#include "core/options.h"
#include "core/row.h"
// Every allocation in this test binary is counted, so a test can show that a warm writer allocates
// nothing per row.
#include "tests/counting_new.h"
#include "tests/output/file_size_limit.h"
#include "tests/output/temp_files.h"
#include "tests/test_environment.h"

namespace urlsweep {
namespace {

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

// Writes `rows` with the writer for `format` into a new file (or appends, with Open(true)) and returns
// the file's bytes.
std::string WriteRows(OutputFormat format, const std::vector<Row>& rows, const std::string& path,
                      bool append = false, const ExtraColumns& extra = ExtraColumns::None()) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0644);
  EXPECT_GE(fd, 0) << path;
  OutputFile file(fd, path);
  Config config;
  config.format = format;
  config.extra_columns = extra;
  std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
  EXPECT_TRUE(writer->Open(append).ok());
  absl::Status status = writer->Write(rows);
  EXPECT_TRUE(status.ok()) << status;
  status = writer->Close();
  EXPECT_TRUE(status.ok()) << status;
  return ReadAll(path);
}

bool HavePython() { return system("python3 -c pass >/dev/null 2>&1") == 0; }

// Runs a python3 script on `arg`; returns its standard output and error.
std::string RunPython(std::string_view script, const std::string& arg) {
  const std::string script_path = TempPath("check.py");
  WriteAll(script_path, script);
  std::string command = absl::StrCat("python3 ", script_path, " ", arg, " 2>&1");
  std::string output;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return "popen failed";
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), p)) > 0) output.append(buffer, n);
  int rc = pclose(p);
  unlink(script_path.c_str());
  if (rc != 0) output += absl::StrCat("\nexit status ", rc);
  return output;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex.push_back(kDigits[c >> 4]);
    hex.push_back(kDigits[c & 0xF]);
  }
  return hex;
}

// A completed HTTPS exchange with every column present.
Row FullRow() {
  Row row;
  row.line = 1;
  row.url = "http://example.com/";
  row.final_url.Set("https://example.com/");
  row.host.Set("example.com");
  row.ip.Set("93.184.216.34");
  row.port = 443;
  row.status = 200;
  row.reason.Set("OK");
  row.http_version.Set("1.1");
  row.error = ErrorCode::kReadTimeout;
  row.error_detail.Set("no byte for 10 s");
  row.redirects = 1;
  row.location.Set("https://example.com/");
  row.content_type.Set("text/html; charset=UTF-8");
  row.content_length = 1256;
  row.server.Set("ECS dcb/7F83");
  row.title.Set("Example Domain");
  row.body_bytes = 1256;
  row.tls_version.Set("TLSv1.3");
  row.tls_verify.Set("ok");
  row.cert_not_after_us = 1795969551123456;  // 2026-11-29T16:25:51.123456Z
  row.attempts = 2;
  row.dns_ms = 1.5;
  row.connect_ms = 12.345;
  row.tls_ms = 0.0;
  row.ttfb_ms = 1234567.891;
  row.total_ms = 1234.0004;
  row.started_at_us = 951825600000007;  // 2000-02-29T12:00:00.000007Z, a leap day
  row.proxy.Set("http://proxy.example:3128");
  row.proxy_auth.Set("digest");
  return row;
}

// Only the always-present columns.
Row EmptyRow() {
  Row row;
  row.line = 2;
  row.url = "x";
  return row;
}

// Bytes a hostile server might send, in the string columns.
Row HostileRow() {
  Row row;
  row.line = 3;
  row.url = "http://a/?q=\"x\",y";
  row.reason.Set("a,b");
  row.server.Set("\"");
  row.title.Set("one\r\ntwo\nthree");
  row.location.Set(
      "Gr\xC3\xBC\xC3\x9F"
      "e \xE2\x80\x93 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80");
  row.content_type.Set("bad\xFF\xC0\xAFutf8\xE2\x82");
  row.error_detail.Set(std::string("ctl\x01\x1F\x7F\t\b\f\\/", 11) + std::string(1, '\0'));
  row.redirects = 0;
  row.attempts = 1;
  return row;
}

// Extreme numbers and timestamps on both sides of 1970 and past 2038.
Row ExtremeRow() {
  Row row;
  row.line = kInt64Max;
  row.url = "http://[::1]:8080/";
  row.port = 65535;
  row.status = -1;
  row.content_length = kInt64Max;
  row.body_bytes = kInt64Min;
  row.redirects = 2147483647;
  row.attempts = 0;
  row.cert_not_after_us = 4107542400000000 - 1;  // 2100-02-28T23:59:59.999999Z (2100 is no leap year)
  row.started_at_us = -2203977600000000;         // 1900-02-28T00:00:00.000000Z
  row.total_ms = 0.0004;
  row.dns_ms = std::numeric_limits<double>::quiet_NaN();
  row.connect_ms = std::numeric_limits<double>::infinity();
  return row;
}

TEST(CsvWriterTest, WritesHeaderAndRowsExactly) {
  const std::string path = TempPath("rows.csv");
  const std::string bytes =
      WriteRows(OutputFormat::kCsv, {FullRow(), EmptyRow(), HostileRow(), ExtremeRow()}, path);
  const std::string header =
      "line,url,final_url,host,ip,port,status,reason,http_version,error,error_detail,redirects,location,"
      "content_type,content_length,server,title,body_bytes,tls_version,tls_verify,cert_not_after,attempts,"
      "dns_ms,connect_ms,tls_ms,ttfb_ms,total_ms,started_at,proxy,proxy_auth\r\n";
  const std::string full =
      "1,http://example.com/,https://example.com/,example.com,93.184.216.34,443,200,OK,1.1,read_timeout,"
      "no byte for 10 s,1,https://example.com/,text/html; charset=UTF-8,1256,ECS dcb/7F83,Example Domain,"
      "1256,TLSv1.3,ok,2026-11-29T16:25:51.123456Z,2,1.500,12.345,0.000,1234567.891,1234.000,"
      "2000-02-29T12:00:00.000007Z,http://proxy.example:3128,digest\r\n";
  const std::string nine_empty = ",,,,,,,,,";
  const std::string empty = "2,x" + nine_empty + ",0" + nine_empty + ",0,,,,,,,,\r\n";
  const std::string hostile = "3,\"http://a/?q=\"\"x\"\",y\",,,,,,\"a,b\",,," +
                              std::string("ctl\x01\x1F\x7F\t\b\f\\/", 11) + std::string(1, '\0') +
                              ",0,Gr\xC3\xBC\xC3\x9F"
                              "e \xE2\x80\x93 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80,"
                              "bad\xFF\xC0\xAFutf8\xE2\x82,,\"\"\"\",\"one\r\ntwo\nthree\",,,,,1,,,,,,,,\r\n";
  const std::string extreme =
      "9223372036854775807,http://[::1]:8080/,,,,65535,-1,,,,,2147483647,,,9223372036854775807,,,"
      "-9223372036854775808,,,2100-02-28T23:59:59.999999Z,0,,,,,0.000,1900-02-28T00:00:00.000000Z,,\r\n";
  EXPECT_EQ(bytes, header + full + empty + hostile + extreme);
  unlink(path.c_str());
}

TEST(CsvWriterTest, AppendWritesNoSecondHeader) {
  const std::string path = TempPath("append.csv");
  const std::string first = WriteRows(OutputFormat::kCsv, {FullRow()}, path);
  const std::string both = WriteRows(OutputFormat::kCsv, {EmptyRow()}, path, /*append=*/true);
  ASSERT_EQ(both.substr(0, first.size()), first);
  EXPECT_EQ(both.substr(first.size()), "2,x,,,,,,,,,,0,,,,,,,,,,0,,,,,,,,\r\n");
  unlink(path.c_str());
}

TEST(CsvWriterTest, EmptyOutputIsTheHeaderAlone) {
  const std::string path = TempPath("empty.csv");
  std::string expected;
  CsvWriter::AppendHeader(&expected);
  EXPECT_EQ(WriteRows(OutputFormat::kCsv, {}, path), expected);
  EXPECT_EQ(std::count(expected.begin(), expected.end(), ','), 29);
  unlink(path.c_str());
}

TEST(CsvWriterTest, FieldQuoting) {
  const auto field = [](std::string_view v) {
    std::string out;
    CsvWriter::AppendField(v, &out);
    return out;
  };
  EXPECT_EQ(field(""), "");
  EXPECT_EQ(field("plain text; with ' and \t"), "plain text; with ' and \t");
  EXPECT_EQ(field("a,b"), "\"a,b\"");
  EXPECT_EQ(field("\""), "\"\"\"\"");
  EXPECT_EQ(field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(field("cr\r"), "\"cr\r\"");
  EXPECT_EQ(field("\nlf"), "\"\nlf\"");
}

// python3's csv module, an independent RFC 4180 reader, gets every field back, line breaks included.
TEST(CsvWriterTest, PythonCsvReadsFieldsBack) {
  if (!HavePython()) GTEST_SKIP() << "python3 not available";
  const std::string path = TempPath("readback.csv");
  const std::vector<Row> rows = {FullRow(), EmptyRow(), HostileRow(), ExtremeRow()};
  WriteRows(OutputFormat::kCsv, rows, path);
  constexpr std::string_view kScript = R"(
import csv, sys
with open(sys.argv[1], newline='', encoding='latin-1') as f:
    for record in csv.reader(f, strict=True):
        print(len(record), *(field.encode('latin-1').hex() for field in record))
)";
  const std::string output = RunPython(kScript, path);
  std::vector<std::string> lines = absl::StrSplit(output, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), rows.size() + 1) << output;
  std::vector<std::string> header = absl::StrSplit(lines[0], ' ');
  ASSERT_EQ(header.size(), kColumnNames.size() + 1);
  for (size_t i = 0; i < kColumnNames.size(); ++i) EXPECT_EQ(header[i + 1], Hex(kColumnNames[i]));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string> fields = absl::StrSplit(lines[r + 1], ' ');
    ASSERT_EQ(fields.size(), kColumnNames.size() + 1) << lines[r + 1];
    EXPECT_EQ(fields[0], absl::StrCat(kColumnNames.size()));
    EXPECT_EQ(fields[1 + 0], Hex(absl::StrCat(rows[r].line)));
    EXPECT_EQ(fields[1 + 1], Hex(rows[r].url));
    EXPECT_EQ(fields[1 + 7], Hex(rows[r].reason.view()));
    EXPECT_EQ(fields[1 + 10], Hex(rows[r].error_detail.view()));
    EXPECT_EQ(fields[1 + 12], Hex(rows[r].location.view()));
    EXPECT_EQ(fields[1 + 13], Hex(rows[r].content_type.view()));
    EXPECT_EQ(fields[1 + 15], Hex(rows[r].server.view()));
    EXPECT_EQ(fields[1 + 16], Hex(rows[r].title.view()));
  }
  unlink(path.c_str());
}

TEST(JsonlWriterTest, WritesRowsExactly) {
  const std::string path = TempPath("rows.jsonl");
  const std::string bytes =
      WriteRows(OutputFormat::kJsonl, {FullRow(), EmptyRow(), HostileRow(), ExtremeRow()}, path);
  const std::string full =
      R"({"line":1,"url":"http://example.com/","final_url":"https://example.com/","host":"example.com",)"
      R"("ip":"93.184.216.34","port":443,"status":200,"reason":"OK","http_version":"1.1",)"
      R"("error":"read_timeout","error_detail":"no byte for 10 s","redirects":1,)"
      R"("location":"https://example.com/","content_type":"text/html; charset=UTF-8","content_length":1256,)"
      R"("server":"ECS dcb/7F83","title":"Example Domain","body_bytes":1256,"tls_version":"TLSv1.3",)"
      R"("tls_verify":"ok","cert_not_after":"2026-11-29T16:25:51.123456Z","attempts":2,"dns_ms":1.500,)"
      R"("connect_ms":12.345,"tls_ms":0.000,"ttfb_ms":1234567.891,"total_ms":1234.000,)"
      R"("started_at":"2000-02-29T12:00:00.000007Z","proxy":"http://proxy.example:3128","proxy_auth":"digest"})"
      "\n";
  const std::string empty =
      R"({"line":2,"url":"x","final_url":null,"host":null,"ip":null,"port":null,"status":null,)"
      R"("reason":null,"http_version":null,"error":null,"error_detail":null,"redirects":0,"location":null,)"
      R"("content_type":null,"content_length":null,"server":null,"title":null,"body_bytes":null,)"
      R"("tls_version":null,"tls_verify":null,"cert_not_after":null,"attempts":0,"dns_ms":null,)"
      R"("connect_ms":null,"tls_ms":null,"ttfb_ms":null,"total_ms":null,"started_at":null,"proxy":null,"proxy_auth":null})"
      "\n";
  const std::string hostile =
      R"({"line":3,"url":"http://a/?q=\"x\",y","final_url":null,"host":null,"ip":null,"port":null,)"
      R"("status":null,"reason":"a,b","http_version":null,"error":null,)"
      "\"error_detail\":\"ctl\\u0001\\u001f\x7f\\t\\b\\f\\\\/\\u0000\",\"redirects\":0,"
      "\"location\":\"Gr\xC3\xBC\xC3\x9F"
      "e \xE2\x80\x93 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80\","
      "\"content_type\":\"bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDutf8\xEF\xBF\xBD\","
      R"("content_length":null,"server":"\"","title":"one\r\ntwo\nthree","body_bytes":null,)"
      R"("tls_version":null,"tls_verify":null,"cert_not_after":null,"attempts":1,"dns_ms":null,)"
      R"("connect_ms":null,"tls_ms":null,"ttfb_ms":null,"total_ms":null,"started_at":null,"proxy":null,"proxy_auth":null})"
      "\n";
  const std::string extreme =
      R"({"line":9223372036854775807,"url":"http://[::1]:8080/","final_url":null,"host":null,"ip":null,)"
      R"("port":65535,"status":-1,"reason":null,"http_version":null,"error":null,"error_detail":null,)"
      R"("redirects":2147483647,"location":null,"content_type":null,"content_length":9223372036854775807,)"
      R"("server":null,"title":null,"body_bytes":-9223372036854775808,"tls_version":null,)"
      R"("tls_verify":null,"cert_not_after":"2100-02-28T23:59:59.999999Z","attempts":0,"dns_ms":null,)"
      R"("connect_ms":null,"tls_ms":null,"ttfb_ms":null,"total_ms":0.000,)"
      R"("started_at":"1900-02-28T00:00:00.000000Z","proxy":null,"proxy_auth":null})"
      "\n";
  EXPECT_EQ(bytes, full + empty + hostile + extreme);
  unlink(path.c_str());
}

// --capture-header and --body-hash columns follow the fixed ones, in flag order; a row with fewer
// header slots than the run asks for (a failed URL) has them absent.
TEST(ExtraColumnsTest, FollowTheFixedColumnsInBothTextFormats) {
  ExtraColumns extra;
  extra.header_names = {"x-powered-by", "strict-transport-security"};
  extra.body_sha256 = true;
  Row answered = EmptyRow();
  answered.headers.resize(2);
  answered.headers[0].Set("PHP/8.2, \"quoted\"");
  answered.body_sha256.Set("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  Row failed = EmptyRow();
  failed.line = 3;

  const std::string csv_path = TempPath("extra.csv");
  const std::string csv = WriteRows(OutputFormat::kCsv, {answered, failed}, csv_path, false, extra);
  const std::string fixed_header =
      "line,url,final_url,host,ip,port,status,reason,http_version,error,error_detail,redirects,location,"
      "content_type,content_length,server,title,body_bytes,tls_version,tls_verify,cert_not_after,attempts,"
      "dns_ms,connect_ms,tls_ms,ttfb_ms,total_ms,started_at,proxy,proxy_auth";
  EXPECT_EQ(csv, fixed_header + ",header_x_powered_by,header_strict_transport_security,body_sha256\r\n" +
                     "2,x,,,,,,,,,,0,,,,,,,,,,0,,,,,,,,,\"PHP/8.2, \"\"quoted\"\"\",,"
                     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n"
                     "3,x,,,,,,,,,,0,,,,,,,,,,0,,,,,,,,,,,\r\n");
  unlink(csv_path.c_str());

  const std::string jsonl_path = TempPath("extra.jsonl");
  const std::string jsonl = WriteRows(OutputFormat::kJsonl, {answered, failed}, jsonl_path, false, extra);
  const std::string fixed_nulls =
      R"("reason":null,"http_version":null,"error":null,"error_detail":null,"redirects":0,"location":null,)"
      R"("content_type":null,"content_length":null,"server":null,"title":null,"body_bytes":null,)"
      R"("tls_version":null,"tls_verify":null,"cert_not_after":null,"attempts":0,"dns_ms":null,)"
      R"("connect_ms":null,"tls_ms":null,"ttfb_ms":null,"total_ms":null,"started_at":null,"proxy":null,)"
      R"("proxy_auth":null,)";
  EXPECT_EQ(jsonl,
            R"({"line":2,"url":"x","final_url":null,"host":null,"ip":null,"port":null,"status":null,)" +
                fixed_nulls +
                R"("header_x_powered_by":"PHP/8.2, \"quoted\"","header_strict_transport_security":null,)"
                R"("body_sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})"
                "\n" +
                R"({"line":3,"url":"x","final_url":null,"host":null,"ip":null,"port":null,"status":null,)" +
                fixed_nulls + R"("header_x_powered_by":null,"header_strict_transport_security":null,)"
                R"("body_sha256":null})"
                "\n");
  unlink(jsonl_path.c_str());
}

// python3's json module, strict about UTF-8 and rejecting NaN, parses every line back with the
// columns as keys in order and the values written.
TEST(JsonlWriterTest, PythonJsonParsesEveryLine) {
  if (!HavePython()) GTEST_SKIP() << "python3 not available";
  const std::string path = TempPath("readback.jsonl");
  WriteRows(OutputFormat::kJsonl, {FullRow(), EmptyRow(), HostileRow(), ExtremeRow()}, path);
  constexpr std::string_view kScript = R"(
import json, sys
def reject(name):
    raise ValueError('not JSON: ' + name)
with open(sys.argv[1], 'rb') as f:
    data = f.read()
assert data.endswith(b'\n')
for line in data.decode('utf-8', errors='strict').split('\n')[:-1]:
    obj = json.loads(line, parse_constant=reject)
    print(','.join(obj.keys()))
    print(obj['line'], obj['content_length'], obj['body_bytes'], obj['total_ms'], obj['started_at'])
    print(json.dumps([obj['title'], obj['content_type'], obj['error_detail'], obj['location']]))
)";
  const std::string output = RunPython(kScript, path);
  std::string keys;
  for (std::string_view name : kColumnNames)
    absl::StrAppend(&keys, keys.empty() ? "" : ",", std::string(name));
  const std::string expected = absl::StrCat(
      keys, "\n", "1 1256 1256 1234.0 2000-02-29T12:00:00.000007Z\n",
      R"(["Example Domain", "text/html; charset=UTF-8", "no byte for 10 s", "https://example.com/"])", "\n",
      keys, "\n", "2 None None None None\n", "[null, null, null, null]\n", keys, "\n",
      "3 None None None None\n",
      R"(["one\r\ntwo\nthree", "bad\ufffd\ufffd\ufffdutf8\ufffd", "ctl\u0001\u001f\u007f\t\b\f\\/\u0000", )",
      R"("Gr\u00fc\u00dfe \u2013 \u65e5\u672c \ud83d\ude00"])", "\n", keys, "\n",
      "9223372036854775807 9223372036854775807 -9223372036854775808 0.0 1900-02-28T00:00:00.000000Z\n",
      "[null, null, null, null]\n");
  EXPECT_EQ(output, expected);
  unlink(path.c_str());
}

TEST(JsonlWriterTest, StringEscapes) {
  const auto json = [](std::string_view v) {
    std::string out;
    JsonlWriter::AppendString(v, &out);
    return out;
  };
  EXPECT_EQ(json(""), "\"\"");
  EXPECT_EQ(json("plain"), "\"plain\"");
  EXPECT_EQ(json("\"\\"), "\"\\\"\\\\\"");
  EXPECT_EQ(json("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
  EXPECT_EQ(json(std::string_view("\0\x1f\x7f", 3)), "\"\\u0000\\u001f\x7f\"");
  // Well-formed UTF-8 at the edges of each length stays as it is.
  EXPECT_EQ(json("\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF"),
            "\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"");
  // Surrogates, overlong forms, code points past U+10FFFF, truncation: one U+FFFD per maximal subpart.
  EXPECT_EQ(json("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(json("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(json("\xF4\x90\x80\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  EXPECT_EQ(json("a\xF0\x9F\x98"), "\"a\xEF\xBF\xBD\"");
  EXPECT_EQ(json("\xE2\x82z"), "\"\xEF\xBF\xBDz\"");
  EXPECT_EQ(json("\x80\xBF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

// Every 1- and 2-byte string and a large set of 3- and 4-byte ones, against Python's own UTF-8 decoder
// with errors='replace' (which implements the same Unicode substitution practice).
TEST(JsonlWriterTest, Utf8ReplacementMatchesPython) {
  if (!HavePython()) GTEST_SKIP() << "python3 not available";
  std::vector<std::string> inputs;
  for (int a = 0; a < 256; ++a) {
    inputs.emplace_back(1, static_cast<char>(a));
    for (int b = 0; b < 256; ++b) inputs.push_back({static_cast<char>(a), static_cast<char>(b)});
  }
  const unsigned char edges[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0,
                                 0xBF, 0xC0, 0xC2, 0xE0, 0xED, 0xF0, 0xF4, 0xFF};
  for (int a = 0xC0; a < 256; ++a) {
    for (unsigned char b : edges) {
      for (unsigned char c : edges) {
        inputs.push_back({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        for (unsigned char d : edges) {
          if (a >= 0xF0) {
            inputs.push_back(
                {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c), static_cast<char>(d)});
          }
        }
      }
    }
  }
  std::mt19937 random(20261129);
  for (int i = 0; i < 20000; ++i) {
    std::string s(random() % 12, '\0');
    for (char& c : s) c = static_cast<char>(edges[random() % sizeof(edges)]);
    inputs.push_back(std::move(s));
  }
  std::string file;
  for (const std::string& input : inputs) {
    file += Hex(input);
    file += '\t';
    JsonlWriter::AppendString(input, &file);
    file += '\n';
  }
  const std::string path = TempPath("utf8.txt");
  WriteAll(path, file);
  constexpr std::string_view kScript = R"(
import json, sys
bad = 0
with open(sys.argv[1], 'rb') as f:
    lines = f.read().decode('utf-8', errors='strict').split('\n')[:-1]
for line in lines:
    hex_input, literal = line.split('\t')
    if json.loads(literal) != bytes.fromhex(hex_input).decode('utf-8', errors='replace'):
        bad += 1
        if bad <= 5:
            print('mismatch', hex_input, literal.encode('utf-8').hex())
print('checked', len(lines), 'bad', bad)
)";
  EXPECT_EQ(RunPython(kScript, path), absl::StrCat("checked ", inputs.size(), " bad 0\n"));
  unlink(path.c_str());
}

TEST(ColumnsTest, VisitorSeesEveryColumnInOrder) {
  struct Recorder {
    std::vector<int> columns;
    void Null(int c) { columns.push_back(c); }
    void Int(int c, int64_t) { columns.push_back(c); }
    void String(int c, std::string_view) { columns.push_back(c); }
    void Timestamp(int c, int64_t) { columns.push_back(c); }
    void Millis(int c, double) { columns.push_back(c); }
  };
  for (const Row& row : {FullRow(), EmptyRow()}) {
    Recorder recorder;
    VisitColumns(row, ExtraColumns::None(), recorder);
    ASSERT_EQ(recorder.columns.size(), kColumnNames.size());
    for (size_t i = 0; i < kColumnNames.size(); ++i) EXPECT_EQ(recorder.columns[i], static_cast<int>(i));
  }
}

TEST(WritersTest, WarmWritersDoNotAllocate) {
  for (OutputFormat format : {OutputFormat::kCsv, OutputFormat::kJsonl}) {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    OutputFile file(fd, "/dev/null");
    Config config;
    config.format = format;
    std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
    ASSERT_TRUE(writer->Open(false).ok());
    std::vector<Row> rows;
    for (int i = 0; i < 100; ++i) {
      for (const Row& row : {FullRow(), EmptyRow(), HostileRow(), ExtremeRow()}) rows.push_back(row);
    }
    // Warm up: the scratch string and the file's buffer reach their working sizes.
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(writer->Write(rows).ok());
    const int64_t before = CountedAllocations();
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(writer->Write(rows).ok());
    ASSERT_TRUE(writer->Flush().ok());
    EXPECT_EQ(CountedAllocations() - before, 0) << "format " << static_cast<int>(format);
    ASSERT_TRUE(writer->Close().ok());
  }
}

TEST(OutputFileTest, FullDiskThroughAWriter) {
  int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
  if (fd < 0) GTEST_SKIP() << kEnvironmentOnlySkip << "no /dev/full";
  OutputFile file(fd, "out.jsonl");
  Config config;
  config.format = OutputFormat::kJsonl;
  std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
  ASSERT_TRUE(writer->Open(false).ok());
  // More rows than the buffer holds, so Write itself must hit the full disk.
  std::vector<Row> rows(20000, HostileRow());
  absl::Status status = writer->Write(rows);
  EXPECT_EQ(status.message(), "writing out.jsonl: No space left on device");
  EXPECT_FALSE(writer->Close().ok());
}

// Through a writer: a full disk met while rows are written leaves whole CSV records only, header first.
TEST(OutputFileTest, WriterOutputStopsAtAWholeRow) {
  const std::string path = TempPath("limit.csv");
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  OutputFile file(fd, path);
  Config config;
  config.format = OutputFormat::kCsv;
  std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
  ASSERT_TRUE(writer->Open(false).ok());
  std::vector<Row> rows(2000, HostileRow());
  absl::Status write_status, close_status;
  {
    FileSizeLimit limit(100000);
    if (!limit.ok()) GTEST_SKIP() << kEnvironmentOnlySkip << "cannot lower RLIMIT_FSIZE";
    write_status = writer->Write(rows);
    if (write_status.ok()) write_status = writer->Flush();
    close_status = writer->Close();
  }
  EXPECT_EQ(write_status.message(), absl::StrCat("writing ", path, ": File too large"));
  EXPECT_FALSE(close_status.ok());
  const std::string bytes = ReadAll(path);
  ASSERT_GT(bytes.size(), 1000u);
  ASSERT_LE(bytes.size(), 100000u);
  std::string expected;
  CsvWriter::AppendHeader(&expected);
  for (const Row& row : rows) {
    if (expected.size() >= bytes.size()) break;
    CsvWriter::AppendRow(row, &expected);
  }
  EXPECT_EQ(bytes, expected) << "the file does not end after a whole row";
  unlink(path.c_str());
}

}  // namespace
}  // namespace urlsweep
