// CompressingSink: the bytes written come back through zlib and libzstd exactly; every Flush ends a
// complete gzip member / zstd frame, so the file cut at any flushed offset is a valid stream of what was
// flushed by then; a resumed file appends members; a write that fails leaves whole members only.
#include "output/compressing_sink.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/options.h"
#include "gtest/gtest.h"
#include "output/csv_writer.h"
#include "output/output_file.h"
#include "output/writer.h"
#include "tests/output/file_size_limit.h"
#include "tests/output/temp_files.h"
#include "tests/test_environment.h"

namespace urlsweep {
namespace {

// Splits a gzip file into its members and decompresses each with zlib; a member that is cut short or
// damaged makes the whole call fail.
bool GunzipMembers(std::string_view file, std::vector<std::string>* members) {
  members->clear();
  while (!file.empty()) {
    z_stream z{};
    if (inflateInit2(&z, 15 + 16) != Z_OK) return false;  // 15 + 16: gzip wrapper only
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(file.data()));
    z.avail_in = static_cast<uInt>(file.size());
    std::string out;
    int rc = Z_OK;
    while (rc == Z_OK) {
      char buffer[16384];
      z.next_out = reinterpret_cast<Bytef*>(buffer);
      z.avail_out = sizeof(buffer);
      rc = inflate(&z, Z_NO_FLUSH);
      out.append(buffer, sizeof(buffer) - z.avail_out);
      if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // input ended inside the member
    }
    const size_t used = file.size() - z.avail_in;
    inflateEnd(&z);
    if (rc != Z_STREAM_END) return false;
    members->push_back(std::move(out));
    file.remove_prefix(used);
  }
  return true;
}

// Splits a zstd file into its frames and decompresses each (checksums checked).
bool UnzstdFrames(std::string_view file, std::vector<std::string>* frames) {
  frames->clear();
  while (!file.empty()) {
    const size_t size = ZSTD_findFrameCompressedSize(file.data(), file.size());
    if (ZSTD_isError(size)) return false;
    ZSTD_DStream* d = ZSTD_createDStream();
    ZSTD_inBuffer in{file.data(), size, 0};
    std::string out;
    size_t rc = 1;
    while (rc != 0) {
      char buffer[16384];
      ZSTD_outBuffer o{buffer, sizeof(buffer), 0};
      rc = ZSTD_decompressStream(d, &o, &in);
      if (ZSTD_isError(rc) || (o.pos == 0 && in.pos == in.size && rc != 0)) {
        ZSTD_freeDStream(d);
        return false;
      }
      out.append(buffer, o.pos);
    }
    ZSTD_freeDStream(d);
    frames->push_back(std::move(out));
    file.remove_prefix(size);
  }
  return true;
}

bool Members(OutputCompression c, std::string_view file, std::vector<std::string>* members) {
  return c == OutputCompression::kGzip ? GunzipMembers(file, members) : UnzstdFrames(file, members);
}

// Text that compresses like rows do, but not to nothing: words from a small vocabulary, in random order.
std::string RowLikeText(size_t bytes, uint32_t seed) {
  static constexpr std::string_view kWords[] = {"http://", "example.com/", "200", "OK", ",", "text/html",
                                                "nginx",   "0.123",        "\r\n", "TLSv1.3", "ok"};
  std::mt19937 random(seed);
  std::string out;
  while (out.size() < bytes) {
    out += kWords[random() % std::size(kWords)];
    absl::StrAppend(&out, random() % 100000);
  }
  return out;
}

class CompressingSinkTest : public testing::TestWithParam<OutputCompression> {
 protected:
  std::string path_ = TempPath(GetParam() == OutputCompression::kGzip ? "sink.gz" : "sink.zst");
  void TearDown() override { unlink(path_.c_str()); }
  int OpenFresh() { return open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); }
};

TEST_P(CompressingSinkTest, EachFlushIsACompleteMemberAndEachFlushedPrefixIsAValidStream) {
  const OutputCompression c = GetParam();
  OutputFile file(OpenFresh(), path_);
  CompressingSink sink(c, &file);
  // Pieces of several sizes; the big one spans many compressed chunks.
  const std::vector<std::string> pieces = {"line,url\r\n", RowLikeText(3 << 20, 1), "x", RowLikeText(5000, 2)};
  std::vector<int64_t> offsets;
  for (const std::string& piece : pieces) {
    // Handed over in two parts, as a writer's batches are.
    ASSERT_TRUE(sink.Append(std::string_view(piece).substr(0, piece.size() / 2)).ok());
    ASSERT_TRUE(sink.Append(std::string_view(piece).substr(piece.size() / 2)).ok());
    ASSERT_TRUE(sink.Flush().ok());
    offsets.push_back(file.offset());
    ASSERT_TRUE(sink.Flush().ok());  // nothing new: no empty member
    EXPECT_EQ(file.offset(), offsets.back());
  }
  ASSERT_TRUE(sink.Close().ok());
  const std::string bytes = ReadAll(path_);
  ASSERT_EQ(static_cast<int64_t>(bytes.size()), offsets.back());
  EXPECT_LT(bytes.size(), (3u << 20) / 2) << "the text is not compressed";

  std::vector<std::string> members;
  ASSERT_TRUE(Members(c, bytes, &members));
  EXPECT_EQ(members, pieces);
  // Cut where a checkpoint would have recorded it: a complete stream of what was flushed by then.
  for (size_t i = 0; i < offsets.size(); ++i) {
    ASSERT_TRUE(Members(c, std::string_view(bytes).substr(0, offsets[i]), &members)) << "cut " << i;
    EXPECT_EQ(members.size(), i + 1);
  }
  // Cut anywhere else inside the last member: not a valid stream (the reader notices the tear).
  EXPECT_FALSE(Members(c, std::string_view(bytes).substr(0, offsets.back() - 1), &members));
}

TEST_P(CompressingSinkTest, AnEmptyOutputIsOneEmptyMember) {
  const OutputCompression c = GetParam();
  {
    OutputFile file(OpenFresh(), path_);
    CompressingSink sink(c, &file);
    ASSERT_TRUE(sink.Flush().ok());
    EXPECT_EQ(file.offset(), 0);
    ASSERT_TRUE(sink.Close().ok());
  }
  const std::string bytes = ReadAll(path_);
  EXPECT_FALSE(bytes.empty());
  std::vector<std::string> members;
  ASSERT_TRUE(Members(c, bytes, &members));
  EXPECT_EQ(members, std::vector<std::string>{""});
}

// --resume: the file is cut back to a checkpoint and a new sink appends members after it.
TEST_P(CompressingSinkTest, AResumedFileContinuesWithNewMembers) {
  const OutputCompression c = GetParam();
  int64_t checkpoint = 0;
  {
    OutputFile file(OpenFresh(), path_);
    CompressingSink sink(c, &file);
    ASSERT_TRUE(sink.Append("first\n").ok());
    ASSERT_TRUE(sink.Flush().ok());
    checkpoint = file.offset();
    ASSERT_TRUE(sink.Append("torn by a kill\n").ok());
    ASSERT_TRUE(sink.Flush().ok());
    // No Close: the process "dies" here with more in the file than the checkpoint.
  }
  int fd = open(path_.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, checkpoint), 0);
  ASSERT_EQ(lseek(fd, checkpoint, SEEK_SET), checkpoint);
  {
    OutputFile file(fd, path_);
    file.set_start_offset(checkpoint);
    CompressingSink sink(c, &file);
    ASSERT_TRUE(sink.Append("second\n").ok());
    ASSERT_TRUE(sink.Close().ok());  // not empty: no extra empty member
  }
  std::vector<std::string> members;
  ASSERT_TRUE(Members(c, ReadAll(path_), &members));
  EXPECT_EQ(members, (std::vector<std::string>{"first\n", "second\n"}));
}

// Through the factory: a CSV writer with compression writes the same bytes as without, compressed.
TEST_P(CompressingSinkTest, TheCsvWriterCompressesItsWholeStream) {
  const OutputCompression c = GetParam();
  Row row;
  row.line = 7;
  row.url = "http://example.com/";
  {
    OutputFile file(OpenFresh(), path_);
    Config config;
    config.format = OutputFormat::kCsv;
    config.compression = c;
    std::unique_ptr<RowWriter> writer = MakeRowWriter(config, &file);
    ASSERT_TRUE(writer->Open(false).ok());
    ASSERT_TRUE(writer->Write({&row, 1}).ok());
    ASSERT_TRUE(writer->Flush().ok());
    ASSERT_TRUE(writer->Write({&row, 1}).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  std::string one_row;
  CsvWriter::AppendRow(row, &one_row);
  std::string header;
  CsvWriter::AppendHeader(&header);
  std::vector<std::string> members;
  ASSERT_TRUE(Members(c, ReadAll(path_), &members));
  EXPECT_EQ(members, (std::vector<std::string>{header + one_row, one_row}));
}

// A full disk (the file-size limit) met in the middle of a member: the file is cut back to the last
// member boundary, so what is left is a valid stream.
TEST_P(CompressingSinkTest, AFailedWriteLeavesWholeMembersOnly) {
  const OutputCompression c = GetParam();
  OutputFile file(OpenFresh(), path_);
  CompressingSink sink(c, &file);
  ASSERT_TRUE(sink.Append("kept\n").ok());
  ASSERT_TRUE(sink.Flush().ok());
  absl::Status status;
  {
    FileSizeLimit limit(200000);
    if (!limit.ok()) GTEST_SKIP() << kEnvironmentOnlySkip << "cannot lower RLIMIT_FSIZE";
    // Random bytes do not compress: more than the limit reaches the file.
    std::mt19937 random(3);
    std::string noise(1 << 20, '\0');
    for (char& ch : noise) ch = static_cast<char>(random());
    for (int i = 0; i < 4 && status.ok(); ++i) status = sink.Append(noise);
    if (status.ok()) status = sink.Flush();
    EXPECT_FALSE(sink.Close().ok());
  }
  EXPECT_EQ(status.message(), absl::StrCat("writing ", path_, ": File too large"));
  std::vector<std::string> members;
  ASSERT_TRUE(Members(c, ReadAll(path_), &members));
  EXPECT_EQ(members, std::vector<std::string>{"kept\n"});
}

INSTANTIATE_TEST_SUITE_P(Codecs, CompressingSinkTest,
                         testing::Values(OutputCompression::kGzip, OutputCompression::kZstd),
                         [](const testing::TestParamInfo<OutputCompression>& info) {
                           return info.param == OutputCompression::kGzip ? "Gzip" : "Zstd";
                         });

}  // namespace
}  // namespace urlsweep
