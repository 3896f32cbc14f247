#include "scanner/input_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "scanner/line_splitter.h"
#include "scanner/sha256.h"

namespace urlsweep {
namespace {

using namespace std::string_literals;

struct Seen {
  int64_t line;
  std::string text;
  bool too_long;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{" << s.line << ", \"" << (s.text.size() > 40 ? s.text.substr(0, 40) + "..." : s.text)
            << "\" (" << s.text.size() << " bytes), " << (s.too_long ? "too long" : "ok") << "}";
}

// Feeds each input in the pieces given by `cuts` (offsets into that input), ending each input.
std::vector<Seen> Split(const std::vector<std::string>& inputs, const std::vector<std::vector<size_t>>& cuts,
                        int64_t* lines_seen = nullptr) {
  LineSplitter splitter;
  InputLine line;
  std::vector<Seen> seen;
  for (size_t i = 0; i < inputs.size(); ++i) {
    size_t from = 0;
    std::vector<size_t> points = i < cuts.size() ? cuts[i] : std::vector<size_t>();
    points.push_back(inputs[i].size());
    for (size_t to : points) {
      std::string_view chunk = std::string_view(inputs[i]).substr(from, to - from);
      while (splitter.Feed(&chunk, &line)) seen.push_back({line.line, line.text, line.too_long});
      EXPECT_TRUE(chunk.empty());
      from = to;
    }
    if (splitter.EndInput(&line)) seen.push_back({line.line, line.text, line.too_long});
  }
  if (lines_seen != nullptr) *lines_seen = splitter.lines_seen();
  return seen;
}

// Checks `inputs` yield `expected` whole, cut at every single offset of every input, and cut at every
// byte (the worst case for state kept across reads).
void ExpectEverySplit(const std::vector<std::string>& inputs, const std::vector<Seen>& expected,
                      int64_t expected_lines_seen) {
  int64_t lines_seen = -1;
  EXPECT_EQ(Split(inputs, {}, &lines_seen), expected);
  EXPECT_EQ(lines_seen, expected_lines_seen);
  for (size_t which = 0; which < inputs.size(); ++which) {
    for (size_t cut = 0; cut <= inputs[which].size(); ++cut) {
      std::vector<std::vector<size_t>> cuts(inputs.size());
      cuts[which] = {cut};
      ASSERT_EQ(Split(inputs, cuts, &lines_seen), expected) << "input " << which << " cut at " << cut;
      ASSERT_EQ(lines_seen, expected_lines_seen);
    }
  }
  std::vector<std::vector<size_t>> bytewise(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (size_t cut = 1; cut < inputs[i].size(); ++cut) bytewise[i].push_back(cut);
  }
  EXPECT_EQ(Split(inputs, bytewise, &lines_seen), expected);
  EXPECT_EQ(lines_seen, expected_lines_seen);
}

TEST(LineSplitterTest, NumbersEveryPhysicalLineAndSkipsBlanksAndComments) {
  ExpectEverySplit({"a\n\n  b  \r\n# c\n\t \r\n d\n  #e\nf"},
                   {{1, "a", false}, {3, "b", false}, {6, "d", false}, {8, "f", false}}, 8);
}

TEST(LineSplitterTest, FinalNewlineDoesNotStartALine) {
  ExpectEverySplit({"a\n"}, {{1, "a", false}}, 1);
  ExpectEverySplit({"a"}, {{1, "a", false}}, 1);
  ExpectEverySplit({"\n"}, {}, 1);
  ExpectEverySplit({"\n\n"}, {}, 2);
  ExpectEverySplit({"a\n\n"}, {{1, "a", false}}, 2);
  ExpectEverySplit({""}, {}, 0);
  ExpectEverySplit({"   "}, {}, 1);
}

TEST(LineSplitterTest, AnInputWithoutFinalNewlineEndsItsLastLine) {
  ExpectEverySplit({"a\nb", "c\n", "", "d", "\n", "e\r\n"},
                   {{1, "a", false}, {2, "b", false}, {3, "c", false}, {4, "d", false}, {6, "e", false}}, 6);
}

TEST(LineSplitterTest, KeepsInnerWhiteSpaceAndOtherBytes) {
  ExpectEverySplit({"\t http://x/a b\tc \r\n\xff\x01z\n"s + "x\0y\n"s},
                   {{1, "http://x/a b\tc", false}, {2, "\xff\x01z", false}, {3, "x\0y"s, false}}, 3);
}

TEST(LineSplitterTest, DropsAByteOrderMarkAtTheStartOfEachInput) {
  ExpectEverySplit({"\xEF\xBB\xBFhttp://a/\n\xEF\xBB\xBFx\n", "\xEF\xBB\xBF" "b"},
                   {{1, "http://a/", false}, {2, "\xEF\xBB\xBFx", false}, {3, "b", false}}, 3);
  ExpectEverySplit({"\xEF\xBB\xBF"}, {}, 0);
  ExpectEverySplit({"\xEF\xBB\xBF\n#c\n"}, {}, 2);
  // Only the start of a mark is text.
  ExpectEverySplit({"\xEF\xBBx\n", "\xEF", "\xEF\xBB"},
                   {{1, "\xEF\xBBx", false}, {2, "\xEF", false}, {3, "\xEF\xBB", false}}, 3);
}

TEST(LineSplitterTest, CapsLongLinesAndFlagsThem) {
  const std::string max(kMaxLineBytes, 'm');
  const std::string over(kMaxLineBytes + 1, 'o');
  ExpectEverySplit({max + "\n" + over + "\n" + "next\n"},
                   {{1, max, false}, {2, over, true}, {3, "next", false}}, 3);
  // Surrounding white space does not count towards the limit, however much of it there is.
  const std::string spaces(100000, ' ');
  EXPECT_EQ(Split({spaces + max + spaces + "\n" + spaces + "x" + spaces}, {}),
            (std::vector<Seen>{{1, max, false}, {2, "x", false}}));
  // A line over the URL limit is kept whole (up to kMaxKeptLineBytes) for the row's `url` column.
  EXPECT_EQ(Split({max + " \t" + "y\n"}, {}), (std::vector<Seen>{{1, max + " \ty", true}}));
}

TEST(LineSplitterTest, AMegabyteLineKeepsOnlyItsHeadAndTheNextLineIsIntact) {
  const std::string huge(1 << 20, 'h');
  const std::vector<Seen> expected = {
      {1, huge.substr(0, kMaxKeptLineBytes), true}, {2, "after", false}, {4, huge.substr(0, kMaxKeptLineBytes), true}};
  // Cut into 64 KiB reads as the reader does, and at a few awkward places.
  for (size_t step : {size_t{65536}, size_t{8191}, size_t{8193}, size_t{1000003}}) {
    std::string input = huge + "\nafter\n#" + huge + "\n" + huge;
    std::vector<size_t> cuts;
    for (size_t at = step; at < input.size(); at += step) cuts.push_back(at);
    int64_t lines_seen = 0;
    EXPECT_EQ(Split({input}, {cuts}, &lines_seen), expected) << "step " << step;
    EXPECT_EQ(lines_seen, 4);
  }
}

// A scratch directory for one test, removed with its files afterwards.
class InputReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "input_reader_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const std::string& path : created_) unlink(path.c_str());
    rmdir(dir_.c_str());
  }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    created_.push_back(path);
    return path;
  }

  std::string WriteGz(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr);
    EXPECT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
    EXPECT_EQ(gzclose(gz), Z_OK);
    created_.push_back(path);
    return path;
  }

  std::string ReadRaw(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Reads everything; stops at the first error, which it returns in *error.
  static std::vector<Seen> ReadAll(InputReader* reader, std::string* error = nullptr) {
    std::vector<Seen> seen;
    InputLine line;
    while (true) {
      absl::StatusOr<bool> more = reader->Next(&line);
      if (!more.ok()) {
        if (error != nullptr) *error = std::string(more.status().message());
        break;
      }
      if (!*more) break;
      seen.push_back({line.line, line.text, line.too_long});
    }
    return seen;
  }

  std::string dir_;
  std::vector<std::string> created_;
};

TEST_F(InputReaderTest, NumbersLinesAcrossFilesOfEveryKind) {
  const std::string huge(1 << 20, 'h');
  const std::vector<std::string> paths = {
      Write("no_final_newline.txt", "http://a/\nhttp://b/"),
      Write("crlf.txt", "http://c/\r\n\r\n# comment\r\n  http://d/  \r\n"),
      Write("empty.txt", ""),
      WriteGz("lines.txt.gz", "http://e/\n\nhttp://f/\n"),
      Write("long.txt", huge + "\nhttp://g/\n"),
  };
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open(paths);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(ReadAll(reader->get()), (std::vector<Seen>{{1, "http://a/", false},
                                                       {2, "http://b/", false},
                                                       {3, "http://c/", false},
                                                       {6, "http://d/", false},
                                                       {7, "http://e/", false},
                                                       {9, "http://f/", false},
                                                       {10, huge.substr(0, kMaxKeptLineBytes), true},
                                                       {11, "http://g/", false}}));
  EXPECT_EQ((*reader)->lines_seen(), 11);
  InputLine line;
  absl::StatusOr<bool> again = (*reader)->Next(&line);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
}

TEST_F(InputReaderTest, ReadsLargeCompressedInputAcrossManyReads) {
  constexpr int kLines = 200000;
  std::string text;
  for (int i = 1; i <= kLines; ++i) text += "http://host" + std::to_string(i) + ".example/\n";
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({WriteGz("big.gz", text)});
  ASSERT_TRUE(reader.ok()) << reader.status();
  InputLine line;
  int64_t expected = 0;
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(&line);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ++expected;
    ASSERT_EQ(line.line, expected);
    ASSERT_EQ(line.text, "http://host" + std::to_string(expected) + ".example/");
  }
  EXPECT_EQ(expected, kLines);
}

TEST_F(InputReaderTest, MissingFileFailsBeforeAnyReading) {
  const std::string good = Write("good.txt", "http://a/\n");
  const std::string missing = dir_ + "/nope.txt";
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({good, missing});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message(), "cannot open '" + missing + "': No such file or directory");
}

TEST_F(InputReaderTest, DirectoryIsNotAnInput) {
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({dir_});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().message(), "cannot open '" + dir_ + "': Is a directory");
}

TEST_F(InputReaderTest, CorruptGzipIsAnErrorNamingTheFile) {
  // A valid gzip header followed by a deflate block of a reserved type.
  const std::string path = Write("corrupt.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff"s);
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({path});
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::string error;
  ReadAll(reader->get(), &error);
  EXPECT_EQ(error, "cannot read '" + path + "': invalid block type");
  // The failure is sticky: the run cannot go on as if the input had ended.
  InputLine line;
  EXPECT_FALSE((*reader)->Next(&line).ok());
}

TEST_F(InputReaderTest, TruncatedGzipIsAnErrorNotAShortInput) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "http://host" + std::to_string(i) + "/\n";
  const std::string whole = ReadRaw(WriteGz("whole.gz", text));
  const std::string path = Write("cut.gz", whole.substr(0, whole.size() / 2));
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({path});
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::string error;
  const std::vector<Seen> seen = ReadAll(reader->get(), &error);
  EXPECT_EQ(error, "cannot read '" + path + "': unexpected end of file");
  EXPECT_GT(seen.size(), 0u);
  EXPECT_LT(seen.size(), 50000u);
}

TEST_F(InputReaderTest, ReadsStandardInputForDashAndForNoFiles) {
  const std::string stdin_path = Write("stdin.txt", "http://in1/\nhttp://in2/");
  const std::string file = Write("file.txt", "http://f/\n");
  const int saved = dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  const auto redirect_stdin = [&] {
    const int fd = open(stdin_path.c_str(), O_RDONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
  };

  redirect_stdin();
  absl::StatusOr<std::unique_ptr<InputReader>> none = InputReader::Open({});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(ReadAll(none->get()), (std::vector<Seen>{{1, "http://in1/", false}, {2, "http://in2/", false}}));

  redirect_stdin();
  absl::StatusOr<std::unique_ptr<InputReader>> mixed = InputReader::Open({file, "-"});
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(ReadAll(mixed->get()), (std::vector<Seen>{{1, "http://f/", false},
                                                      {2, "http://in1/", false},
                                                      {3, "http://in2/", false}}));

  dup2(saved, STDIN_FILENO);
  close(saved);
}


// SHA-256 test vectors (FIPS 180-2 appendix B.1, and the empty message).
constexpr char kSha256Empty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kSha256Abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

std::string Sha256Of(std::string_view bytes) {
  Sha256 digest;
  digest.Update(bytes);
  return digest.HexDigest();
}

TEST(Sha256Test, KnownVectorsWholeAndInPieces) {
  EXPECT_EQ(Sha256Of(""), kSha256Empty);
  EXPECT_EQ(Sha256Of("abc"), kSha256Abc);
  Sha256 pieces;
  pieces.Update("a");
  EXPECT_EQ(pieces.HexDigest(), Sha256Of("a"));  // reading it does not end the stream
  pieces.Update("bc");
  EXPECT_EQ(pieces.HexDigest(), kSha256Abc);
  EXPECT_NE(SaltedSha256Hex("salt1", "secret"), SaltedSha256Hex("salt2", "secret"));
  EXPECT_EQ(RandomHex(16).size(), 32u);
}

TEST_F(InputReaderTest, RecordsTheSizesOfRegularFilesAndDigestsTheBytesAsRead) {
  const std::string plain = Write("plain.txt", "abc");
  const std::string gz = WriteGz("packed.gz", "http://z/\n");
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({plain, gz});
  ASSERT_TRUE(reader.ok()) << reader.status();
  ASSERT_EQ((*reader)->identity().size(), 2u);
  EXPECT_EQ((*reader)->identity()[0], (InputIdentity{plain, 3}));
  EXPECT_EQ((*reader)->identity()[1].size, static_cast<int64_t>(ReadRaw(gz).size()));
  EXPECT_EQ((*reader)->position().bytes, 0);
  EXPECT_EQ((*reader)->position().sha256, kSha256Empty);
  EXPECT_EQ(ReadAll(reader->get()), (std::vector<Seen>{{1, "abc", false}, {2, "http://z/", false}}));
  // Decompressed bytes: what the lines were split from.
  EXPECT_EQ((*reader)->position().bytes, 3 + 10);
  EXPECT_EQ((*reader)->position().sha256, Sha256Of("abchttp://z/\n"));
}

TEST_F(InputReaderTest, ReadPrefixHoldsTheLinesKeptAndReadsOnFromThere) {
  const std::string a = "http://1/\nhttp://2/\n#3\nhttp://4/\nhttp://5";
  const std::string b = "/\nhttp://6/\n";
  const std::vector<std::string> paths = {Write("a.txt", a), Write("b.txt", b)};
  const std::string all = a + b;
  // Every prefix length, mid-line and across the file boundary included, gives the same lines.
  for (size_t cut = 0; cut <= all.size(); ++cut) {
    absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open(paths);
    ASSERT_TRUE(reader.ok()) << reader.status();
    // As if lines 2 and 5 were written: the others come back.
    absl::StatusOr<std::string> digest = (*reader)->ReadPrefix(
        static_cast<int64_t>(cut), [](const InputLine& line) { return line.line != 2 && line.line != 5; });
    ASSERT_TRUE(digest.ok()) << digest.status();
    EXPECT_EQ(*digest, Sha256Of(std::string_view(all).substr(0, cut))) << cut;
    std::vector<Seen> rest = ReadAll(reader->get());
    std::vector<int64_t> numbers;
    for (const Seen& s : rest) numbers.push_back(s.line);
    // Lines 2 and 5 are dropped only when the prefix held them. Line 5 ("http://5") ends where a.txt ends,
    // which a prefix of 41 bytes reaches without having seen the end of the file yet; b.txt then starts
    // line 6 ("/").
    std::vector<int64_t> expected = {1};
    if (cut < 20) expected.push_back(2);
    expected.push_back(4);
    if (cut < 42) expected.push_back(5);
    expected.push_back(6);
    expected.push_back(7);
    EXPECT_EQ(numbers, expected) << "prefix of " << cut << " bytes";
    EXPECT_EQ((*reader)->position().sha256, Sha256Of(all));
  }
}

TEST_F(InputReaderTest, ReadPrefixLongerThanTheInputFails) {
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({Write("short.txt", "http://a/\n")});
  ASSERT_TRUE(reader.ok());
  absl::StatusOr<std::string> digest = (*reader)->ReadPrefix(11, [](const InputLine&) { return true; });
  ASSERT_FALSE(digest.ok());
  EXPECT_EQ(digest.status().message(), "the input ends after 10 bytes, but the interrupted run had read 11");
}

TEST_F(InputReaderTest, ANamedPipeIsOpenedOnceSoEveryWriteOfItsWriterArrives) {
  // A writer that opens the FIFO once and writes slowly: with a second open by the reader, its writes
  // between the two opens found no reader (EPIPE, or SIGPIPE's death).
  std::signal(SIGPIPE, SIG_IGN);
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  created_.push_back(fifo);
  constexpr int kLines = 5;
  std::vector<int> write_errors;
  std::thread writer([&] {
    const int fd = open(fifo.c_str(), O_WRONLY);
    for (int i = 1; i <= kLines; ++i) {
      const std::string line = "http://w" + std::to_string(i) + "/\n";
      if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) write_errors.push_back(errno);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    close(fd);
  });
  absl::StatusOr<std::unique_ptr<InputReader>> reader = InputReader::Open({fifo});
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ((*reader)->identity()[0].size, -1);  // not a regular file
  // The scan starts reading a moment later.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::vector<Seen> seen = ReadAll(reader->get());
  writer.join();
  EXPECT_EQ(write_errors, std::vector<int>());
  EXPECT_EQ(seen.size(), static_cast<size_t>(kLines));
}

}  // namespace
}  // namespace urlsweep
