// The journal's text (scanner/journal_format.h): what it writes reads back, a cut anywhere reads as the
// records before the cut (or, inside the header, as damage), and a change of any byte is refused.
#include "scanner/journal_format.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace urlsweep {
namespace {

constexpr char kDigestA[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kDigestB[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

RunIdentity Identity() {
  RunIdentity id;
  id.salt = "00ff";
  id.flags = {{"method", "GET"}, {"header", "X-A: b c\nAuthorization: salted-sha256:abcd"}, {"exclude", ""}};
  id.inputs = {{"list a.txt", 120}, {"-", -1}, {"dir/%odd\n name", 0}};
  return id;
}

struct Journal {
  std::string text;
  std::vector<size_t> record_ends;  // where each complete record ends, the header first
};

Journal Sample() {
  Journal j;
  j.text = JournalHeader(Identity());
  j.record_ends.push_back(j.text.size());
  AppendCheckpoint({1, 2, 3, 7}, 120, 64, kDigestA, "", &j.text);
  j.record_ends.push_back(j.text.size());
  AppendCheckpoint({}, 120, 64, kDigestA, std::string("\x00\xff", 2), &j.text);
  j.record_ends.push_back(j.text.size());
  AppendCheckpoint({4, 5, 9, 10}, 300, 200, kDigestB, "s", &j.text);
  j.record_ends.push_back(j.text.size());
  return j;
}

std::vector<int64_t> Lines(const LineSet& set) {
  std::vector<int64_t> out;
  for (int64_t line = 1; line <= 20; ++line) {
    if (set.Contains(line)) out.push_back(line);
  }
  return out;
}

TEST(JournalFormatTest, WhatIsWrittenReadsBack) {
  const Journal j = Sample();
  absl::StatusOr<ParsedJournal> parsed = ParseJournal(j.text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->identity, Identity());
  EXPECT_EQ(parsed->checkpoints, 3);
  EXPECT_EQ(parsed->offset, 300);
  EXPECT_EQ(parsed->input_bytes, 200);
  EXPECT_EQ(parsed->input_sha256, kDigestB);
  EXPECT_EQ(parsed->states, (std::vector<std::string>{"", std::string("\x00\xff", 2), "s"}));
  EXPECT_EQ(Lines(parsed->done), (std::vector<int64_t>{1, 2, 3, 4, 5, 7, 9, 10}));
  EXPECT_EQ(parsed->committed_bytes, j.text.size());
  // Every record line is text, one token per value: a path with a space or a newline is encoded.
  EXPECT_NE(j.text.find("I list%20a.txt 120\n"), std::string::npos);
  EXPECT_NE(j.text.find("I dir/%25odd%0a%20name 0\n"), std::string::npos);
}

TEST(JournalFormatTest, ACutAnywhereReadsAsTheRecordsBeforeIt) {
  const Journal j = Sample();
  for (size_t cut = 0; cut <= j.text.size(); ++cut) {
    absl::StatusOr<ParsedJournal> parsed = ParseJournal(std::string_view(j.text).substr(0, cut));
    if (cut < j.record_ends[0]) {
      // Inside the header: the run's identity is unknown, so nothing can be continued.
      ASSERT_FALSE(parsed.ok()) << cut;
      EXPECT_NE(parsed.status().message().find("header is incomplete"), std::string::npos)
          << cut << ": " << parsed.status();
      continue;
    }
    ASSERT_TRUE(parsed.ok()) << "cut at " << cut << ": " << parsed.status();
    int64_t complete = 0;
    while (complete + 1 < static_cast<int64_t>(j.record_ends.size()) && j.record_ends[complete + 1] <= cut) ++complete;
    EXPECT_EQ(parsed->checkpoints, complete) << cut;
    EXPECT_EQ(parsed->committed_bytes, j.record_ends[complete]) << cut;
    EXPECT_EQ(parsed->offset, complete == 0 ? 0 : complete < 3 ? 120 : 300) << cut;
    // A power cut may leave NUL bytes after the last write: still a torn tail.
    absl::StatusOr<ParsedJournal> padded = ParseJournal(j.text.substr(0, cut) + std::string(100, '\0'));
    ASSERT_TRUE(padded.ok()) << cut << ": " << padded.status();
    EXPECT_EQ(padded->checkpoints, complete);
  }
}

TEST(JournalFormatTest, AnyChangedByteIsRefused) {
  const Journal j = Sample();
  for (size_t at = 0; at < j.text.size(); ++at) {
    for (unsigned char flip : {0x01, 0x20, 0x80}) {
      std::string damaged = j.text;
      damaged[at] = static_cast<char>(damaged[at] ^ flip);
      absl::StatusOr<ParsedJournal> parsed = ParseJournal(damaged);
      EXPECT_FALSE(parsed.ok()) << "byte " << at << " ^ " << int(flip) << " was not noticed";
    }
  }
}

TEST(JournalFormatTest, TextAfterTheLastRecordIsDamageUnlessItCanBeACheckpointBegun) {
  const std::string good = Sample().text;
  for (const char* tail : {"L", "L ", "L 1-4,6", "L 1-4,6\n", "L 1-4,6\nC", "L 1-4,6\nC 12 64 ab -"}) {
    absl::StatusOr<ParsedJournal> parsed = ParseJournal(good + tail);
    ASSERT_TRUE(parsed.ok()) << tail << ": " << parsed.status();
    EXPECT_EQ(parsed->checkpoints, 3);
    EXPECT_EQ(parsed->committed_bytes, good.size());
  }
  for (const char* tail : {"garbage", "L 1\nC 1 2 x", "L x", "\n", "L 1\nC 1 2 3 - 00000000\n", "C 1"}) {
    absl::StatusOr<ParsedJournal> parsed = ParseJournal(good + tail);
    ASSERT_FALSE(parsed.ok()) << tail;
    EXPECT_NE(parsed.status().message().find("damaged at byte " + std::to_string(good.size())), std::string::npos)
        << parsed.status();
  }
}

TEST(JournalFormatTest, ForeignAndOlderJournalsAreNamedAsSuch) {
  EXPECT_EQ(ParseJournal("hello\n").status().message(), "it is not an urlsweep journal");
  EXPECT_NE(ParseJournal("urlsweep-journal 1 csv\nL 1\nC 10 \n").status().message().find("older urlsweep"),
            std::string::npos);
  EXPECT_NE(ParseJournal("urlsweep-journal 3\n").status().message().find("another version"), std::string::npos);
}

TEST(JournalFormatTest, ACheckpointThatGoesBackIsDamage) {
  std::string text = JournalHeader(Identity());
  AppendCheckpoint({1}, 100, 50, kDigestA, "", &text);
  const size_t second = text.size();
  AppendCheckpoint({2}, 90, 60, kDigestA, "", &text);
  absl::StatusOr<ParsedJournal> parsed = ParseJournal(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().message(),
            "it is damaged at byte " + std::to_string(second) + " (a checkpoint goes back)");
}

}  // namespace
}  // namespace urlsweep
