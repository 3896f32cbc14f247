#include "scanner/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace urlsweep {
namespace {

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/journal_test.XXXXXX";
    dir_ = mkdtemp(tmpl);
    output_ = dir_ + "/out.csv";
    journal_ = Journal::PathFor(output_);
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
  std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string dir_, output_, journal_;
};

TEST_F(JournalTest, CommittedLinesAndOffsetSurviveATornTail) {
  {
    auto j = Journal::Create(journal_, OutputFormat::kCsv);
    ASSERT_TRUE(j.ok()) << j.status();
    std::vector<int64_t> lines = {5, 3, 4, 9, 1};
    ASSERT_TRUE((*j)->Commit(&lines, 120, "").ok());
    lines = {10, 11, 2};
    ASSERT_TRUE((*j)->Commit(&lines, 200, std::string("\x01\xff", 2)).ok());
  }
  EXPECT_EQ(ReadFile(journal_), "urlsweep-journal 1 csv\nL 1,3-5,9\nC 120 \nL 2,10-11\nC 200 01ff\n");
  // A kill in the middle of the next record leaves a torn tail: it must not count.
  std::ofstream(journal_, std::ios::app) << "L 12-20\nC 3";
  WriteFile(output_, std::string(250, 'x'));
  auto run = Journal::Recover(journal_, output_, OutputFormat::kCsv);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_TRUE(run->existed);
  EXPECT_EQ(run->offset, 200);
  ASSERT_EQ(run->states.size(), 2u);
  EXPECT_EQ(run->states[1], std::string("\x01\xff", 2));
  EXPECT_EQ(run->done.size(), 8);
  std::vector<int64_t> seen;
  for (int64_t line = 1; line <= 20; ++line) {
    if (run->done.ContainsNext(line)) seen.push_back(line);
  }
  EXPECT_EQ(seen, (std::vector<int64_t>{1, 2, 3, 4, 5, 9, 10, 11}));
  // Reopen drops the torn tail and appends after the last commit.
  {
    auto j = Journal::Reopen(journal_, OutputFormat::kCsv);
    ASSERT_TRUE(j.ok());
    std::vector<int64_t> lines = {12};
    ASSERT_TRUE((*j)->Commit(&lines, 230, "").ok());
  }
  EXPECT_EQ(ReadFile(journal_), "urlsweep-journal 1 csv\nL 1,3-5,9\nC 120 \nL 2,10-11\nC 200 01ff\nL 12\nC 230 \n");
}

TEST_F(JournalTest, NothingToResumeIsAFreshStart) {
  auto run = Journal::Recover(journal_, output_, OutputFormat::kCsv);
  ASSERT_TRUE(run.ok());
  EXPECT_FALSE(run->existed);
  EXPECT_EQ(run->offset, 0);
}

TEST_F(JournalTest, ForeignOrBrokenFilesAreRefused) {
  WriteFile(output_, "somebody else's data\n");
  auto run = Journal::Recover(journal_, output_, OutputFormat::kCsv);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("is missing (was it written by urlsweep?)"), std::string::npos);

  WriteFile(journal_, "urlsweep-journal 1 jsonl\n");
  run = Journal::Recover(journal_, output_, OutputFormat::kCsv);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("another --format"), std::string::npos);

  WriteFile(journal_, "hello\n");
  run = Journal::Recover(journal_, output_, OutputFormat::kCsv);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("not an urlsweep journal"), std::string::npos);

  WriteFile(journal_, "urlsweep-journal 1 csv\nL 1\nC 999 \n");
  run = Journal::Recover(journal_, output_, OutputFormat::kCsv);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("says 999 were written"), std::string::npos);
  EXPECT_EQ(ReadFile(output_), "somebody else's data\n");
}

}  // namespace
}  // namespace urlsweep
