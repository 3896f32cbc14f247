// CsvRecordParser: RFC 4180 records come out the same however the bytes are split, and malformed input
// is refused with the line it is on.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "output/report/csv_record_parser.h"

namespace urlsweep {
namespace {

struct Parsed {
  std::vector<std::vector<std::string>> records;
  std::vector<std::vector<bool>> quoted;
  std::vector<int64_t> lines;
  std::string error;  // empty when the input was accepted
};

// Feeds `input` in pieces cut at `cuts` (sorted offsets) and collects every record.
Parsed ParsePieces(std::string_view input, const std::vector<size_t>& cuts) {
  Parsed out;
  CsvRecordParser parser;
  auto take = [&] {
    std::vector<std::string> fields;
    std::vector<bool> quoted;
    for (size_t i = 0; i < parser.field_count(); ++i) {
      fields.emplace_back(parser.field(i));
      quoted.push_back(parser.field_quoted(i));
    }
    out.records.push_back(fields);
    out.quoted.push_back(quoted);
    out.lines.push_back(parser.record_line());
  };
  size_t begin = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(input.size());
  for (size_t end : ends) {
    std::string_view piece = input.substr(begin, end - begin);
    begin = end;
    while (!piece.empty()) {
      bool done = false;
      const size_t n = parser.Consume(piece, &done);
      if (!parser.status().ok()) {
        out.error = absl::StrCat("line ", parser.error_line(), ": ", parser.status().message());
        return out;
      }
      piece.remove_prefix(n);
      if (done) take();
    }
  }
  if (parser.Finish()) take();
  if (!parser.status().ok()) out.error = absl::StrCat("line ", parser.error_line(), ": ", parser.status().message());
  return out;
}

void ExpectSameOnEverySplit(std::string_view input) {
  const Parsed whole = ParsePieces(input, {});
  for (size_t cut = 0; cut <= input.size(); ++cut) {
    const Parsed split = ParsePieces(input, {cut});
    EXPECT_EQ(split.records, whole.records) << "cut at " << cut;
    EXPECT_EQ(split.quoted, whole.quoted) << "cut at " << cut;
    EXPECT_EQ(split.lines, whole.lines) << "cut at " << cut;
    EXPECT_EQ(split.error, whole.error) << "cut at " << cut;
  }
  std::vector<size_t> every_byte;
  for (size_t i = 1; i < input.size(); ++i) every_byte.push_back(i);
  const Parsed bytes = ParsePieces(input, every_byte);
  EXPECT_EQ(bytes.records, whole.records);
  EXPECT_EQ(bytes.error, whole.error);
}

TEST(CsvRecordParserTest, ReadsRfc4180Records) {
  const std::string input =
      "line,url,title\r\n"
      "1,http://a.test/,\"a, \"\"quoted\"\" title\"\r\n"
      "2,,\"two\r\nlines\"\r\n"
      "3,\"\",plain\n"
      "4,x,last without line break";
  const Parsed p = ParsePieces(input, {});
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.records.size(), 5u);
  EXPECT_EQ(p.records[0], (std::vector<std::string>{"line", "url", "title"}));
  EXPECT_EQ(p.records[1], (std::vector<std::string>{"1", "http://a.test/", "a, \"quoted\" title"}));
  EXPECT_EQ(p.records[2], (std::vector<std::string>{"2", "", "two\r\nlines"}));
  EXPECT_EQ(p.records[3], (std::vector<std::string>{"3", "", "plain"}));
  EXPECT_EQ(p.records[4], (std::vector<std::string>{"4", "x", "last without line break"}));
  // An empty quoted field is an empty string, an empty unquoted one is absent.
  EXPECT_EQ(p.quoted[2], (std::vector<bool>{false, false, true}));
  EXPECT_EQ(p.quoted[3], (std::vector<bool>{false, true, false}));
  // Line numbers count the line break inside the quoted field.
  EXPECT_EQ(p.lines, (std::vector<int64_t>{1, 2, 3, 5, 6}));
  ExpectSameOnEverySplit(input);
}

TEST(CsvRecordParserTest, EmptyFieldsAndBlankLines) {
  const Parsed p = ParsePieces(",,\r\n\r\n,\n", {});
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.records.size(), 3u);
  EXPECT_EQ(p.records[0], (std::vector<std::string>{"", "", ""}));
  EXPECT_EQ(p.records[1], (std::vector<std::string>{""}));
  EXPECT_EQ(p.records[2], (std::vector<std::string>{"", ""}));
  ExpectSameOnEverySplit(",,\r\n\r\n,\n");
}

TEST(CsvRecordParserTest, NoInputNoRecord) {
  EXPECT_TRUE(ParsePieces("", {}).records.empty());
  EXPECT_EQ(ParsePieces("a\r\n", {}).records.size(), 1u);
}

TEST(CsvRecordParserTest, RefusesMalformedInputWithItsLine) {
  struct Case {
    std::string input;
    std::string error;
  };
  const Case cases[] = {
      {"a,b\r\nc,d\"e\r\n", "line 2: a quote inside an unquoted field"},
      {"a\r\n\"x\"y\r\n", "line 2: text after the closing quote of a field"},
      {"a\rb\r\n", "line 1: a CR outside quotes that is not followed by LF"},
      {"a\r\n\"open\r\nstill open", "line 3: a quoted field is still open at the end of the file"},
      {"a,b\r", "line 1: a CR outside quotes that is not followed by LF"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ParsePieces(c.input, {}).error, c.error) << c.input;
    ExpectSameOnEverySplit(c.input);
  }
}

TEST(CsvRecordParserTest, RefusesARecordOverTheCap) {
  CsvRecordParser parser;
  const std::string chunk(1 << 20, 'x');
  bool done = false;
  size_t fed = 0;
  parser.Consume("\"", &done);
  while (parser.status().ok() && fed <= CsvRecordParser::kMaxRecordBytes) {
    parser.Consume(chunk, &done);
    fed += chunk.size();
  }
  EXPECT_FALSE(parser.status().ok());
  EXPECT_NE(std::string(parser.status().message()).find("a record longer than"), std::string::npos);
}

}  // namespace
}  // namespace urlsweep
