#include "core/flag_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace urlsweep {
namespace {

constexpr FlagSpec kFlags[] = {
    {"output", 'o', true, 1},
    {"quiet", 'q', false, 2},
    {"format", 0, true, 3},
    {"insecure", 'k', false, 4},
    {"location", 'L', false, 5},
};

constexpr FlagSyntax kScanSyntax = {};
constexpr FlagSyntax kReportSyntax = {.short_value_attached = false, .double_dash_ends_flags = false};

// One token as text: "operand:X", "end", "flag:ID", "flag:ID=VALUE" (attached) or "flag:ID VALUE",
// "unknown:NAME", "unexpected:ID", "missing:ID", "equals:ID=VALUE".
std::vector<std::string> Tokens(std::vector<const char*> args, FlagSyntax syntax = kScanSyntax) {
  args.insert(args.begin(), "urlsweep");
  FlagTokenizer tokenizer(static_cast<int>(args.size()), args.data(), kFlags, syntax);
  std::vector<std::string> out;
  FlagToken t;
  while (tokenizer.Next(&t)) {
    switch (t.kind) {
      case FlagToken::Kind::kOperand:
        out.push_back("operand:" + std::string(t.text));
        break;
      case FlagToken::Kind::kEndOfFlags:
        out.push_back("end");
        break;
      case FlagToken::Kind::kFlag:
        if (!t.flag->takes_value) {
          out.push_back("flag:" + std::to_string(t.flag->id));
        } else {
          out.push_back("flag:" + std::to_string(t.flag->id) + (t.value_attached ? "=" : " ") +
                        std::string(t.value));
        }
        break;
      case FlagToken::Kind::kUnknownFlag:
        out.push_back("unknown:" + std::string(t.name));
        break;
      case FlagToken::Kind::kUnexpectedValue:
        out.push_back("unexpected:" + std::to_string(t.flag->id));
        break;
      case FlagToken::Kind::kMissingValue:
        out.push_back("missing:" + std::to_string(t.flag->id));
        break;
      case FlagToken::Kind::kShortFlagEquals:
        out.push_back("equals:" + std::to_string(t.flag->id) + "=" + std::string(t.value));
        break;
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(FlagTokenizerTest, ValueForms) {
  EXPECT_EQ(Tokens({"--output", "a", "--output=b", "-o", "c", "-od", "--output=", "--output==e"}),
            (V{"flag:1 a", "flag:1=b", "flag:1 c", "flag:1=d", "flag:1=", "flag:1==e"}));
  // A value that starts with '=' is taken as it is when it is an argument of its own.
  EXPECT_EQ(Tokens({"-o", "=e"}), (V{"flag:1 =e"}));
  // A value is the next argument whatever it looks like.
  EXPECT_EQ(Tokens({"--output", "-q", "-o", "--"}), (V{"flag:1 -q", "flag:1 --"}));
}

TEST(FlagTokenizerTest, Operands) {
  EXPECT_EQ(Tokens({"a", "-", "", "b"}), (V{"operand:a", "operand:-", "operand:", "operand:b"}));
  EXPECT_EQ(Tokens({"-q", "--", "-q", "--output=x", "--"}),
            (V{"flag:2", "end", "operand:-q", "operand:--output=x", "operand:--"}));
}

TEST(FlagTokenizerTest, Errors) {
  // The name is what stands before an attached value, which may be a secret.
  EXPECT_EQ(Tokens({"--proxy=http://u:secret@p"}), (V{"unknown:--proxy"}));
  EXPECT_EQ(Tokens({"-xyz"}), (V{"unknown:-x"}));
  EXPECT_EQ(Tokens({"--quiet=1"}), (V{"unexpected:2"}));
  EXPECT_EQ(Tokens({"-q", "--output"}), (V{"flag:2", "missing:1"}));
  EXPECT_EQ(Tokens({"---output"}), (V{"unknown:---output"}));
}

TEST(FlagTokenizerTest, CombinedShortFlags) {
  EXPECT_EQ(Tokens({"-qkL"}), (V{"flag:2", "flag:4", "flag:5"}));
  EXPECT_EQ(Tokens({"-qq"}), (V{"flag:2", "flag:2"}));
  // A flag that takes a value ends the group: the rest of the argument, or else the next one, is it.
  EXPECT_EQ(Tokens({"-qo", "out.csv", "x"}), (V{"flag:2", "flag:1 out.csv", "operand:x"}));
  EXPECT_EQ(Tokens({"-qoout.csv"}), (V{"flag:2", "flag:1=out.csv"}));
  EXPECT_EQ(Tokens({"-kqo"}), (V{"flag:4", "flag:2", "missing:1"}));
  EXPECT_EQ(Tokens({"-oqk"}), (V{"flag:1=qk"}));
  // An unknown letter anywhere in the group is named alone.
  EXPECT_EQ(Tokens({"-kZq"}), (V{"flag:4", "unknown:-Z"}));
}

TEST(FlagTokenizerTest, ShortFlagWithEquals) {
  EXPECT_EQ(Tokens({"-o=out.csv"}), (V{"equals:1=out.csv"}));
  EXPECT_EQ(Tokens({"-qo=x"}), (V{"flag:2", "equals:1=x"}));
  EXPECT_EQ(Tokens({"-o="}), (V{"equals:1="}));
  // A flag without a value followed by '=' is a group with an unknown '=' in it.
  EXPECT_EQ(Tokens({"-q=1"}), (V{"flag:2", "unknown:-="}));
}

TEST(FlagTokenizerTest, NamesInAGroup) {
  const char* args[] = {"urlsweep", "-qko", "v"};
  FlagTokenizer tokenizer(3, args, kFlags, kScanSyntax);
  FlagToken t;
  ASSERT_TRUE(tokenizer.Next(&t));
  EXPECT_EQ(t.name, "-q");
  EXPECT_EQ(t.text, "-qko");
  ASSERT_TRUE(tokenizer.Next(&t));
  EXPECT_EQ(t.name, "-k");
  ASSERT_TRUE(tokenizer.Next(&t));
  EXPECT_EQ(t.name, "-o");
  EXPECT_EQ(t.value, "v");
  EXPECT_FALSE(t.value_attached);
  EXPECT_FALSE(tokenizer.Next(&t));
}

TEST(FlagTokenizerTest, ReportSyntax) {
  EXPECT_EQ(Tokens({"r.csv", "-o", "a", "--output=b", "--format", "csv", "--format=jsonl"}, kReportSyntax),
            (V{"operand:r.csv", "flag:1 a", "flag:1=b", "flag:3 csv", "flag:3=jsonl"}));
  // No value attached to a short flag, and "--" is not special.
  EXPECT_EQ(Tokens({"-ofile"}, kReportSyntax), (V{"unknown:-ofile"}));
  EXPECT_EQ(Tokens({"-qq"}, kReportSyntax), (V{"unknown:-qq"}));
  EXPECT_EQ(Tokens({"-o=x"}, kReportSyntax), (V{"unknown:-o=x"}));
  EXPECT_EQ(Tokens({"--", "x"}, kReportSyntax), (V{"unknown:--", "operand:x"}));
  EXPECT_EQ(Tokens({"-"}, kReportSyntax), (V{"operand:-"}));
  EXPECT_EQ(Tokens({"--quiet=1"}, kReportSyntax), (V{"unexpected:2"}));
}

TEST(FlagTokenizerTest, TextKeepsTheArgumentAsWritten) {
  const char* args[] = {"urlsweep", "--output=x", "-o", "y"};
  FlagTokenizer tokenizer(4, args, kFlags, kScanSyntax);
  FlagToken t;
  ASSERT_TRUE(tokenizer.Next(&t));
  EXPECT_EQ(t.text, "--output=x");
  EXPECT_EQ(t.name, "--output");
  ASSERT_TRUE(tokenizer.Next(&t));
  EXPECT_EQ(t.text, "-o");
  EXPECT_EQ(t.name, "-o");
  EXPECT_EQ(t.value, "y");
  EXPECT_FALSE(tokenizer.Next(&t));
}

}  // namespace
}  // namespace urlsweep
