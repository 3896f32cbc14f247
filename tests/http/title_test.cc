#include "http/title.h"

#include <string>
#include <string_view>

#include "gtest/gtest.h"

namespace urlsweep {
namespace {

struct Result {
  bool found;
  std::string title;
  bool operator==(const Result&) const = default;
};

Result Scan(TitleScanner* s) { return {s->found(), std::string(s->title())}; }

// The result of the whole body, checked to be the same for every cut into two pieces and for 1-byte
// pieces, on a scanner reused across runs.
Result ScanEverySplit(std::string_view body) {
  TitleScanner s;
  s.Feed(body);
  Result whole = Scan(&s);
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    s.Reset();
    s.Feed(body.substr(0, cut));
    s.Feed(body.substr(cut));
    EXPECT_EQ(Scan(&s), whole) << "cut at " << cut << " of " << body;
  }
  s.Reset();
  for (char c : body) s.Feed(std::string_view(&c, 1));
  EXPECT_EQ(Scan(&s), whole) << "1-byte pieces of " << body;
  return whole;
}

struct Case {
  std::string body;
  bool found;
  std::string title;
};

class TitleTest : public testing::TestWithParam<Case> {};

TEST_P(TitleTest, SameResultForEverySplit) {
  const Case& c = GetParam();
  Result r = ScanEverySplit(c.body);
  EXPECT_EQ(r.found, c.found) << c.body;
  EXPECT_EQ(r.title, c.title) << c.body;
}

INSTANTIATE_TEST_SUITE_P(
    Titles, TitleTest,
    testing::Values(
        Case{"<html><head><title>Hello</title></head>", true, "Hello"},
        Case{"<HTML><TITLE>Upper</TITLE>", true, "Upper"},
        Case{"<TiTlE>Mixed</tItLe>", true, "Mixed"},
        Case{"<title lang=\"en\" id=t>Attrs</title>", true, "Attrs"},
        Case{"<title\n>Newline</title >", true, "Newline"},
        Case{"<titlex>no</titlex><title>yes</title>", true, "yes"},
        Case{"<<title>>x</title>", true, ">x"},
        Case{"  <title>\n  a \t\r\n b  \f</title>", true, "a b"},
        Case{"<title>   </title>", true, ""},
        Case{"<title></title>", true, ""},
        Case{"<title>a</title><title>b</title>", true, "a"},
        Case{"<title>unclosed text", true, "unclosed text"},
        Case{"<title>a < b</title>", true, "a < b"},
        Case{"<title>a</titl</title>", true, "a</titl"},
        Case{"<title>x</titlex y</title>", true, "x</titlex y"},
        Case{"<title>x<</title>", true, "x<"},
        Case{"<title>x</title/>y", true, "x"},
        Case{"no title here <p>text</p>", false, ""},
        Case{"", false, ""},
        Case{"<titl>", false, ""},
        Case{"<title>&amp;&lt;&gt;&quot;&#39;&apos;&#65;&#x42;&#X43;</title>", true,
             "&<>\"''ABC"},
        Case{"<title>a&nbsp;&nbsp;b&#32;&#10;c</title>", true, "a b c"},
        Case{"<title>&#32;x&#x20;</title>", true, "x"},
        Case{"<title>&copy; &foo &#xZZ; AT&T &amp</title>", true, "\xC2\xA9 &foo &#xZZ; AT&T &"},
        Case{"<title>&&amp;&;</title>", true, "&&&;"},
        Case{"<title>&amp<b</title>", true, "&<b"},
        // The standard's whole table (http/html_entities.inc), also two code points for one name.
        Case{"<title>&eacute;&Eacute;&hellip;&mdash;&NotEqualTilde;&fjlig;</title>", true,
             "\xC3\xA9\xC3\x89\xE2\x80\xA6\xE2\x80\x94\xE2\x89\x82\xCC\xB8" "fj"},
        Case{"<title>&CounterClockwiseContourIntegral;|&CounterClockwiseContourIntegralX;</title>", true,
             "\xE2\x88\xB3|&CounterClockwiseContourIntegralX;"},
        Case{"<title>&CounterClockwiseContourIntegralXYZ</title>", true, "&CounterClockwiseContourIntegralXYZ"},
        // Legacy names also without ';', the longest that matches, the rest text.
        Case{"<title>caf&eacute &amplifier &notin; &notit; &copy2 &Eacutex</title>", true,
             "caf\xC3\xA9 &lifier \xE2\x88\x89 \xC2\xACit; \xC2\xA9" "2 \xC3\x89x"},
        Case{"<title>&ampamp;&lt&gt=&quot</title>", true, "&amp;<>=\""},
        // Names with ';' only do not match without it.
        Case{"<title>&hellip &mdash.</title>", true, "&hellip &mdash."},
        Case{"<title>a&NonBreakingSpace;b</title>", true, "a b"},
        // Numeric references: ';' optional, any number of digits, 0x80-0x9F as windows-1252.
        Case{"<title>&#65B&#x41g&#0000000000067;&#99999999999999;&#x000000044</title>", true,
             "ABAgC\xEF\xBF\xBD" "D"},
        Case{"<title>&#128;&#x9d;&#x9F;&#150;</title>", true, "\xE2\x82\xAC\xC2\x9D\xC5\xB8\xE2\x80\x93"},
        Case{"<title>&#; &#x; &#X! &#</title>", true, "&#; &#x; &#X! &#"},
        Case{"<title>&averyveryverylongname;</title>", true, "&averyveryverylongname;"},
        Case{"<title>&#0;&#xD800;&#x110000;&#1114111;</title>", true,
             "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xF4\x8F\xBF\xBF"},
        Case{"<title>&#x1F600;&#233;</title>", true, "\xF0\x9F\x98\x80\xC3\xA9"},
        Case{"<title>Caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80</title>", true,
             "Caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80"},
        // Not UTF-8: a Latin-1 byte, a lead byte cut by ASCII, overlong and surrogate forms, a
        // sequence cut by markup.
        Case{"<title>\xFF\xC3(ok \xC0\xAF \xED\xA0\x80 \xE2\x82</title>", true,
             "\xEF\xBF\xBD\xEF\xBF\xBD(ok \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD "
             "\xEF\xBF\xBD"},
        Case{std::string("<title>a\0b</title>", 18), true, "a\xEF\xBF\xBD" "b"},
        // A <title> in a comment is no tag; how comments end (WHATWG HTML tokenizer).
        Case{"<!-- <title>no</title> --><title>yes</title>", true, "yes"},
        Case{"<!--><title>a</title>", true, "a"},
        Case{"<!---><title>b</title>", true, "b"},
        Case{"<!-- x --!><title>c</title>", true, "c"},
        Case{"<!-- a -- b - -><title>no</title> --><title>d</title>", true, "d"},
        Case{"<!----><title>e</title>", true, "e"},
        Case{"<!--<!--><title>f</title>", true, "f"},
        Case{"<!-- <title>never closed</title>", false, ""},
        // Declarations and bogus comments end at the first '>'.
        Case{"<!DOCTYPE html><title>g</title>", true, "g"},
        Case{"<?xml version=\"1.0\"?><title>h</title>", true, "h"},
        Case{"<! <title>no</title> ><title>i</title>", true, "i"},
        Case{"<!-x<title>y</title>", false, ""},
        Case{"<!><title>j</title>", true, "j"},
        // Inside the title, text is RCDATA: a comment there is text.
        Case{"<title>a<!--b-->c</title>", true, "a<!--b-->c"}));

TEST(TitleCapTest, CutAtTheLimit) {
  Result r = ScanEverySplit("<title>" + std::string(2000, 'a') + "</title>");
  EXPECT_TRUE(r.found);
  EXPECT_EQ(r.title, std::string(kMaxTitleBytes, 'a'));
}

TEST(TitleCapTest, CutFallsBetweenCharacters) {
  // 1023 bytes, then a 2-byte character that does not fit.
  Result r = ScanEverySplit("<title>" + std::string(kMaxTitleBytes - 1, 'a') + "\xC3\xA9z</title>");
  EXPECT_EQ(r.title, std::string(kMaxTitleBytes - 1, 'a'));
  // A collapsed space right at the limit is not kept as a trailing space.
  r = ScanEverySplit("<title>" + std::string(kMaxTitleBytes - 1, 'a') + "   bc</title>");
  EXPECT_EQ(r.title, std::string(kMaxTitleBytes - 1, 'a'));
}

TEST(TitleCapTest, StopsAfterTheFirstTitle) {
  TitleScanner s;
  s.Feed("<title>first</title>");
  s.Feed("<title>second</title>");
  EXPECT_EQ(s.title(), "first");
  s.Reset();
  EXPECT_FALSE(s.found());
  EXPECT_EQ(s.title(), "");
}

}  // namespace
}  // namespace urlsweep
