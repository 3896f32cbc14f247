// JsonlRowDecoder and the text forms of row_fields: JSON Lines objects and ISO 8601 timestamps back
// into Row values, exactly as the writers printed them, and refused when they are not.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "output/jsonl_writer.h"
#include "output/report/jsonl_row_decoder.h"
#include "output/report/row_fields.h"
#include "output/text_format.h"
#include "core/errors.h"

namespace urlsweep {
namespace {

Row Decode(std::string_view line) {
  JsonlRowDecoder decoder;
  Row row;
  const absl::Status st = decoder.Decode(line, &row);
  EXPECT_TRUE(st.ok()) << st.message() << " in " << line;
  return row;
}

std::string DecodeError(std::string_view line) {
  JsonlRowDecoder decoder;
  Row row;
  const absl::Status st = decoder.Decode(line, &row);
  EXPECT_FALSE(st.ok()) << line;
  return std::string(st.message());
}

TEST(JsonlRowDecoderTest, ReadsWhatTheWriterWrote) {
  Row row;
  row.line = 42;
  row.url = "http://h1.test:8080/a b";
  row.host.Set("h1.test");
  row.status = 404;
  row.error = ErrorCode::kReadReset;
  row.title.Set("tab\there \"q\" back\\slash \x01 caf\xC3\xA9 \xE2\x82\xAC");
  row.content_length = std::numeric_limits<int64_t>::min();
  row.body_bytes = std::numeric_limits<int64_t>::max();
  row.redirects = 3;
  row.attempts = 2;
  row.dns_ms = 1.25;
  row.total_ms = 1234567.891;
  row.started_at_us = -1;  // 1969-12-31T23:59:59.999999Z
  row.cert_not_after_us = 4102444799000000;
  std::string line;
  JsonlWriter::AppendRow(row, &line);
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();

  const Row back = Decode(line);
  EXPECT_EQ(back.line, 42);
  EXPECT_EQ(back.url, row.url);
  EXPECT_EQ(back.host.view(), "h1.test");
  EXPECT_FALSE(back.final_url.has_value());
  EXPECT_EQ(back.status, 404);
  EXPECT_EQ(back.error, ErrorCode::kReadReset);
  EXPECT_EQ(back.title.view(), row.title.view());
  EXPECT_EQ(back.content_length, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(back.body_bytes, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(back.redirects, 3);
  EXPECT_EQ(back.attempts, 2);
  EXPECT_EQ(back.dns_ms, 1.25);
  EXPECT_EQ(back.total_ms, 1234567.891);
  EXPECT_FALSE(back.connect_ms.has_value());
  EXPECT_EQ(back.started_at_us, -1);
  EXPECT_EQ(back.cert_not_after_us, 4102444799000000);
}

TEST(JsonlRowDecoderTest, UnescapesStrings) {
  const Row row =
      Decode(R"({"line":1,"url":"\"\\\/\b\f\n\r\t\u0000\u00e9\u20ac\ud83d\ude00","title":"\ud800 lone, \udc00 lone"})");
  EXPECT_EQ(row.url, std::string("\"\\/\b\f\n\r\t\0\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 18));
  EXPECT_EQ(row.title.view(), "\xEF\xBF\xBD lone, \xEF\xBF\xBD lone");
}

TEST(JsonlRowDecoderTest, SkipsUnknownKeysAndTakesNullAsAbsent) {
  const Row row = Decode(
      " { \"extra\" : {\"a\":[1,2.5e3,{\"b\":null}],\"c\":true} , \"line\" : 7 , \"url\" : \"u\" ,"
      " \"status\" : null , \"error\" : null , \"dns_ms\" : 0 , \"more\" : [] }\r");
  EXPECT_EQ(row.line, 7);
  EXPECT_EQ(row.url, "u");
  EXPECT_FALSE(row.status.has_value());
  EXPECT_EQ(row.error, ErrorCode::kNone);
  EXPECT_EQ(row.dns_ms, 0.0);
}

TEST(JsonlRowDecoderTest, ClearsTheRowFirst) {
  JsonlRowDecoder decoder;
  Row row;
  ASSERT_TRUE(decoder.Decode(R"({"line":1,"url":"a","status":200,"title":"t"})", &row).ok());
  ASSERT_TRUE(decoder.Decode(R"({"line":2,"url":"b"})", &row).ok());
  EXPECT_FALSE(row.status.has_value());
  EXPECT_FALSE(row.title.has_value());
}

TEST(JsonlRowDecoderTest, RefusesWhatIsNotARow) {
  EXPECT_EQ(DecodeError(R"({"url":"a"})"), "the object has no \"line\" key");
  EXPECT_EQ(DecodeError(R"({"line":1})"), "the object has no \"url\" key");
  EXPECT_EQ(DecodeError(R"({"line":null,"url":"a"})"), "column line: null in a column that is always present");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a","status":"200"})"), "column status: expected a number, got a string");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a","host":5})"), "column host: expected a string, got a number");
  EXPECT_EQ(DecodeError(R"({"line":1.5,"url":"a"})"), "column line: expected an integer, got 1.5");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a","status":4294967296})"),
            "column status: expected a 32-bit integer, got '4294967296'");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a","error":"oops"})"),
            "column error: expected one of urlsweep's error words, got 'oops'");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a","started_at":"2026-02-30T00:00:00Z"})"),
            "column started_at: expected an ISO 8601 UTC timestamp, got '2026-02-30T00:00:00Z'");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a"} x)"), "offset 21: text after the JSON object");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"a)"), "offset 18: a string is not closed");
  EXPECT_EQ(DecodeError("{\"line\":1,\"url\":\"a\tb\"}"), "offset 18: a control character inside a string");
  EXPECT_EQ(DecodeError(R"({"line":1,"url":"\x"})"), "offset 18: an unknown escape in a string");
  EXPECT_EQ(DecodeError(R"({"line":01,"url":"a"})"), "offset 9: expected '}'");
  EXPECT_EQ(DecodeError(R"([1])"), "offset 0: expected '{'");
  EXPECT_EQ(DecodeError(""), "offset 0: expected '{'");
  // Deep nesting in a skipped value is cut off, not followed down the stack.
  const std::string deep =
      "{\"x\":" + std::string(100000, '[') + std::string(100000, ']') + ",\"line\":1,\"url\":\"a\"}";
  EXPECT_EQ(DecodeError(deep), "offset 70: JSON nested too deeply");
}

TEST(JsonlRowDecoderTest, EveryPrefixOfALineIsRefusedNotCrashed) {
  Row row;
  row.line = 3;
  row.url = "http://x.test/";
  row.title.Set("a \"title\" \xF0\x9F\x98\x80");
  row.total_ms = 12.5;
  row.started_at_us = 1764433551123456;
  std::string line;
  JsonlWriter::AppendRow(row, &line);
  line.pop_back();
  JsonlRowDecoder decoder;
  Row back;
  for (size_t n = 0; n < line.size(); ++n) {
    EXPECT_FALSE(decoder.Decode(std::string_view(line).substr(0, n), &back).ok()) << n;
  }
  EXPECT_TRUE(decoder.Decode(line, &back).ok());
}

TEST(RowFieldsTest, TimestampsReadBackWhatTheWriterPrinted) {
  std::mt19937_64 random(7);
  std::vector<int64_t> values = {0,
                                 -1,
                                 1,
                                 951782400000000,     // 2000-02-29
                                 -2208988800000000,   // 1900-01-01
                                 253402300799999999,  // 9999-12-31T23:59:59.999999Z
                                 253402300800000000,  // +10000-01-01
                                 -62167219200000001,  // just before 0000-01-01
                                 std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::min() + 1,
                                 std::numeric_limits<int64_t>::max()};
  for (int i = 0; i < 20000; ++i) values.push_back(static_cast<int64_t>(random()));
  for (int i = 0; i < 20000; ++i)
    values.push_back(static_cast<int64_t>(random() % (int64_t{1} << 56)) - (int64_t{1} << 55));
  for (int64_t value : values) {
    std::string text;
    AppendTimestamp(value, &text);
    int64_t back = 0;
    ASSERT_TRUE(ParseTimestamp(text, &back)) << text;
    ASSERT_EQ(back, value) << text;
  }
}

TEST(RowFieldsTest, TimestampFormsAndRefusals) {
  int64_t v = 0;
  ASSERT_TRUE(ParseTimestamp("2026-11-29T16:25:51Z", &v));
  EXPECT_EQ(v, 1795969551000000);
  ASSERT_TRUE(ParseTimestamp("2026-11-29T16:25:51.5Z", &v));
  EXPECT_EQ(v, 1795969551500000);
  ASSERT_TRUE(ParseTimestamp("2024-02-29T00:00:00Z", &v));
  for (const char* bad :
       {"2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z", "2026-11-29T24:00:00Z",
        "2026-11-29T16:60:00Z", "2026-11-29T16:25:51", "2026-11-29 16:25:51Z", "2026-11-29T16:25:51.1234567Z",
        "2026-11-29T16:25:51.Z", "+026-11-29T16:25:51Z", "+1234567-01-01T00:00:00Z", "-300000-01-01T00:00:00Z",
        "2026-11-29T16:25:51Zx", "", "26-11-29T16:25:51Z"}) {
    EXPECT_FALSE(ParseTimestamp(bad, &v)) << bad;
  }
}

TEST(RowFieldsTest, TextValuesByColumnKind) {
  Row row;
  EXPECT_TRUE(SetColumnText(ColumnIndex("port"), "65535", &row).ok());
  EXPECT_EQ(row.port, 65535);
  EXPECT_TRUE(SetColumnText(ColumnIndex("ttfb_ms"), "0.001", &row).ok());
  EXPECT_EQ(row.ttfb_ms, 0.001);
  EXPECT_TRUE(SetColumnText(ColumnIndex("error"), "tls_verify", &row).ok());
  EXPECT_EQ(row.error, ErrorCode::kTlsVerify);
  EXPECT_FALSE(SetColumnText(ColumnIndex("ttfb_ms"), "nan", &row).ok());
  EXPECT_FALSE(SetColumnText(ColumnIndex("ttfb_ms"), "inf", &row).ok());
  EXPECT_FALSE(SetColumnText(ColumnIndex("ttfb_ms"), "0x10", &row).ok());
  EXPECT_FALSE(SetColumnText(ColumnIndex("port"), "1.0", &row).ok());
  EXPECT_FALSE(SetColumnText(ColumnIndex("port"), " 1", &row).ok());
  EXPECT_FALSE(SetColumnText(ColumnIndex("line"), "", &row).ok());
  EXPECT_FALSE(SetColumnText(ColumnIndex("error"), "", &row).ok());
  EXPECT_EQ(ColumnIndex("nope"), -1);
  for (size_t i = 0; i < kColumnNames.size(); ++i) EXPECT_EQ(ColumnIndex(kColumnNames[i]), static_cast<int>(i));
}

}  // namespace
}  // namespace urlsweep
