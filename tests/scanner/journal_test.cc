#include "scanner/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "scanner/journal_format.h"

namespace urlsweep {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/journal_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    output_ = dir_ + "/out.csv";
    journal_ = Journal::PathFor(output_);
    input_path_ = dir_ + "/in.txt";
    WriteFile(input_path_, Urls(20));
    config_.inputs = {input_path_};
    config_.output = output_;
    config_.resume = true;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  static std::string Urls(int n, const std::string& host = "h") {
    std::string text;
    for (int i = 1; i <= n; ++i) text += "http://" + host + "/" + std::to_string(i) + "\n";
    return text;
  }
  void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::unique_ptr<InputReader> Input() {
    auto reader = InputReader::Open(config_.inputs);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return std::move(*reader);
  }
  // Reads lines until the reader has read `count` of them, as the scan's input thread does.
  static void ReadLines(InputReader* reader, int count) {
    InputLine line;
    for (int i = 0; i < count; ++i) ASSERT_TRUE(*reader->Next(&line));
  }
  // Asserts that a --resume is refused with a message holding `expected`, output and journal untouched.
  void ExpectRefused(const std::string& expected) {
    const std::string output_before = ReadFile(output_);
    const std::string journal_before = ReadFile(journal_);
    auto input = Input();
    auto run = Journal::Recover(journal_, config_, input.get());
    ASSERT_FALSE(run.ok()) << "expected a refusal naming: " << expected;
    EXPECT_NE(run.status().message().find(expected), std::string::npos) << run.status();
    EXPECT_EQ(ReadFile(output_), output_before);
    EXPECT_EQ(ReadFile(journal_), journal_before);
  }
  std::string dir_, output_, journal_, input_path_;
  Config config_;
};

TEST_F(JournalTest, CommittedLinesAndOffsetSurviveATornTail) {
  {
    auto input = Input();
    auto j = Journal::Create(journal_, config_, input.get());
    ASSERT_TRUE(j.ok()) << j.status();
    ReadLines(input.get(), 20);
    std::vector<int64_t> lines = {5, 3, 4, 9, 1};
    ASSERT_TRUE((*j)->Commit(&lines, 120, "").ok());
    lines = {10, 11, 2};
    ASSERT_TRUE((*j)->Commit(&lines, 200, std::string("\x01\xff", 2)).ok());
  }
  const std::string committed = ReadFile(journal_);
  EXPECT_EQ(committed.find("urlsweep-journal 2\n"), 0u);
  EXPECT_NE(committed.find("\nL 1,3-5,9\nC 120 "), std::string::npos);
  EXPECT_NE(committed.find("\nL 2,10-11\nC 200 "), std::string::npos);
  // A kill in the middle of the next record leaves a torn tail: it must not count.
  std::ofstream(journal_, std::ios::app) << "L 12-20\nC 3";
  WriteFile(output_, std::string(250, 'x'));
  auto input = Input();
  auto run = Journal::Recover(journal_, config_, input.get());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->existed);
  EXPECT_EQ(run->offset, 200);
  ASSERT_EQ(run->states.size(), 2u);
  EXPECT_EQ(run->states[1], std::string("\x01\xff", 2));
  EXPECT_EQ(run->done.size(), 8);
  // The input was read up to where the interrupted run had read (all of it): what is left to scan comes
  // first, the written lines are not among them.
  std::vector<int64_t> left;
  InputLine line;
  while (*input->Next(&line)) left.push_back(line.line);
  EXPECT_EQ(left, (std::vector<int64_t>{6, 7, 8, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
  // Reopen drops the torn tail and appends after the last commit.
  {
    auto j = Journal::Reopen(journal_, input.get());
    ASSERT_TRUE(j.ok());
    std::vector<int64_t> lines = {12};
    ASSERT_TRUE((*j)->Commit(&lines, 230, "").ok());
  }
  const std::string reopened = ReadFile(journal_);
  EXPECT_EQ(reopened.substr(0, committed.size()), committed);
  EXPECT_EQ(reopened.substr(committed.size(), 7), "L 12\nC ");
  auto again = ParseJournal(reopened);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->checkpoints, 3);
}

TEST_F(JournalTest, NothingToResumeIsAFreshStart) {
  auto input = Input();
  auto run = Journal::Recover(journal_, config_, input.get());
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(run->existed);
  EXPECT_EQ(run->offset, 0);
}

TEST_F(JournalTest, ForeignOrBrokenFilesAreRefused) {
  WriteFile(output_, "somebody else's data\n");
  auto input = Input();
  auto run = Journal::Recover(journal_, config_, input.get());
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("is missing (was it written by urlsweep?)"), std::string::npos);

  WriteFile(journal_, "hello\n");
  ExpectRefused("not an urlsweep journal");
  WriteFile(journal_, "urlsweep-journal 1 csv\nL 1\nC 10 \n");
  ExpectRefused("older urlsweep");
}

TEST_F(JournalTest, AnotherRunIsRefusedWithTheOutputAndJournalLeftAsTheyAre) {
  {
    auto input = Input();
    auto j = Journal::Create(journal_, config_, input.get());
    ASSERT_TRUE(j.ok()) << j.status();
    ReadLines(input.get(), 10);
    std::vector<int64_t> lines = {1, 2, 3};
    ASSERT_TRUE((*j)->Commit(&lines, 100, "").ok());
  }
  WriteFile(output_, std::string(150, 'x'));

  config_.format = OutputFormat::kJsonl;
  ExpectRefused("--format is jsonl here but was csv in the interrupted run; '" + output_ + "' left untouched");
  config_.format = OutputFormat::kCsv;
  config_.method = HttpMethod::kHead;
  ExpectRefused("--method is HEAD here but was GET in the interrupted run");
  config_.method = HttpMethod::kGet;

  // Same size, other bytes: only the digest of the prefix read tells.
  const std::string original = ReadFile(input_path_);
  WriteFile(input_path_, Urls(20, "x"));
  ExpectRefused("'" + input_path_ + "' differs from the interrupted run's in the first ");
  WriteFile(input_path_, Urls(21));
  ExpectRefused("is a regular file of " + std::to_string(Urls(21).size()) + " bytes here but was a regular file of " +
                std::to_string(original.size()) + " bytes in the interrupted run");
  WriteFile(input_path_, original);

  WriteFile(output_, std::string(99, 'x'));
  ExpectRefused("it holds 99 bytes but its journal says 100 were written");
  WriteFile(output_, std::string(150, 'x'));

  // A damaged record anywhere, not only at the end.
  const std::string journal = ReadFile(journal_);
  std::string damaged = journal;
  damaged[journal.size() / 2] ^= 0x01;
  WriteFile(journal_, damaged);
  ExpectRefused("is damaged at byte ");
  WriteFile(journal_, journal);

  auto input = Input();
  auto run = Journal::Recover(journal_, config_, input.get());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->offset, 100);
}

}  // namespace
}  // namespace urlsweep
