#include "core/text.h"

#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

TEST(TextTest, ViewsCrossToAbseilAndBack) {
  const std::string_view view("a\0b", 3);
  const absl::string_view absl_view = ToAbsl(view);
  EXPECT_EQ(absl_view.size(), 3u);
  EXPECT_EQ(FromAbsl(absl_view), view);
  EXPECT_EQ(absl::StrCat("[", ToAbsl("x"), "]"), "[x]");
}

TEST(TextTest, EqualsIgnoreCaseFoldsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Content-Length", "content-length"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("http", "https"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
  // Bytes above 0x7f are compared exactly: "\xc3\x84" (Ä) is not "\xc3\xa4" (ä).
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x84", "\xc3\xa4"));
  // '@' and '`' sit 0x20 below/above letters but are not letters.
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));
}

TEST(TextTest, HexDigitValue) {
  EXPECT_EQ(HexDigitValue('0'), 0);
  EXPECT_EQ(HexDigitValue('9'), 9);
  EXPECT_EQ(HexDigitValue('a'), 10);
  EXPECT_EQ(HexDigitValue('F'), 15);
  EXPECT_EQ(HexDigitValue('g'), -1);
  EXPECT_EQ(HexDigitValue('G'), -1);
  EXPECT_EQ(HexDigitValue('/'), -1);
  EXPECT_EQ(HexDigitValue(':'), -1);
  EXPECT_EQ(HexDigitValue('\0'), -1);
  EXPECT_EQ(HexDigitValue('\xc6'), -1);  // 0xc6 | 0x20 == 'f' + 0x80: no case trick accepts it
}

TEST(TextTest, PercentDecodingStrict) {
  std::string out;
  EXPECT_TRUE(AppendPercentDecoded("us%40er%3a%3A", PercentEscapes::kStrict, &out));
  EXPECT_EQ(out, "us@er::");
  out = "kept ";
  EXPECT_TRUE(AppendPercentDecoded("%00x", PercentEscapes::kStrict, &out));
  EXPECT_EQ(out, std::string("kept \0x", 7));
  for (const char* bad : {"%", "%4", "a%4", "%zz", "%4g", "%%41"}) {
    out.clear();
    EXPECT_FALSE(AppendPercentDecoded(bad, PercentEscapes::kStrict, &out)) << bad;
  }
}

TEST(TextTest, PercentDecodingKeepsMalformedEscapes) {
  std::string out;
  EXPECT_TRUE(AppendPercentDecoded("a%zz%4%41%", PercentEscapes::kKeepMalformed, &out));
  EXPECT_EQ(out, "a%zz%4A%");
}

}  // namespace
}  // namespace urlsweep
