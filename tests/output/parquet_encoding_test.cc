// The Parquet writer's pure building blocks: the RLE / bit-packing hybrid, UTF-8 repair, the string
// dictionary and page compression.
#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "output/parquet/byte_buffer.h"
#include "output/parquet/page_compressor.h"
#include "output/parquet/page_writer.h"
#include "output/parquet/rle_bit_packed.h"
#include "output/parquet/string_dictionary.h"
#include "output/parquet/utf8_sanitizer.h"
#include "tests/output/parquet_test_reader.h"

namespace urlsweep::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Rle(const std::vector<uint32_t>& values, int bit_width) {
  std::string out;
  AppendRleBitPacked(absl::MakeConstSpan(values), bit_width, &out);
  return out;
}

TEST(RleBitPackedTest, LongRepeatsBecomeRleRuns) {
  // Header varint(100 << 1), then the value in ceil(bit_width / 8) bytes.
  EXPECT_EQ(Rle(std::vector<uint32_t>(100, 0), 1), Bytes({0xc8, 0x01, 0x00}));
  EXPECT_EQ(Rle(std::vector<uint32_t>(8, 300), 9), Bytes({0x10, 0x2c, 0x01}));
}

TEST(RleBitPackedTest, ShortRunsAreBitPackedLeastSignificantBitFirst) {
  // One group of 8: header (1 << 1) | 1, then 0,1,0,1,... packed from bit 0.
  EXPECT_EQ(Rle({0, 1, 0, 1, 0, 1, 0, 1}, 1), Bytes({0x03, 0xaa}));
  // The specification's example: 0..7 at bit width 3.
  EXPECT_EQ(Rle({0, 1, 2, 3, 4, 5, 6, 7}, 3), Bytes({0x03, 0x88, 0xc6, 0xfa}));
}

TEST(RleBitPackedTest, TheLastGroupIsPaddedWithZeros) {
  EXPECT_EQ(Rle({1, 1, 1}, 1), Bytes({0x03, 0x07}));
  EXPECT_EQ(Rle({}, 1), "");
}

TEST(RleBitPackedTest, LiteralsThenARepeatSwitchAtAGroupBoundary) {
  std::vector<uint32_t> values = {1, 0, 1, 0, 1, 0, 1, 0};
  values.insert(values.end(), 20, 1);
  EXPECT_EQ(Rle(values, 1), Bytes({0x03, 0x55, 0x28, 0x01}));
}

TEST(RleBitPackedTest, BitPackedRunsKeepAOneByteHeader) {
  std::vector<uint32_t> values;
  for (int i = 0; i < 2000; ++i) values.push_back(static_cast<uint32_t>(i % 2));
  const std::string encoded = Rle(values, 1);
  // 2000 values = 250 groups: runs of 63 groups (header 0x7f) and one of 61 (0x7b).
  EXPECT_EQ(static_cast<uint8_t>(encoded[0]), 0x7f);
  EXPECT_EQ(encoded.size(), 4u + 250u);
  auto decoded = parquet_test::DecodeRle(encoded, 1, values.size());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, values);
}

TEST(RleBitPackedTest, RoundTripsAtEveryBitWidth) {
  uint64_t seed = 7;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  };
  for (int bit_width = 1; bit_width <= 32; ++bit_width) {
    const uint64_t limit = uint64_t{1} << bit_width;
    for (size_t length : {1u, 7u, 8u, 9u, 100u, 1001u}) {
      std::vector<uint32_t> values;
      while (values.size() < length) {
        const uint32_t v = static_cast<uint32_t>(next() % limit);
        const size_t repeat = next() % 4 == 0 ? next() % 30 : 1;  // mix runs and literals
        for (size_t k = 0; k < repeat && values.size() < length; ++k) values.push_back(v);
      }
      auto decoded = parquet_test::DecodeRle(Rle(values, bit_width), bit_width, values.size());
      ASSERT_TRUE(decoded.has_value()) << bit_width << " " << length;
      EXPECT_EQ(*decoded, values) << "bit width " << bit_width << ", " << length << " values";
    }
  }
}

TEST(RleBitPackedTest, DefinitionLevelsEncodeFromBytes) {
  const std::vector<uint8_t> levels = {1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  std::string out;
  AppendRleBitPacked(absl::MakeConstSpan(levels), 1, &out);
  auto decoded = parquet_test::DecodeRle(out, 1, levels.size());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, std::vector<uint32_t>(levels.begin(), levels.end()));
}

TEST(RleBitPackedTest, DefinitionLevelsOfEveryGroupPatternRoundTrip) {
  // Each of the 256 groups of eight levels between groups that force bit-packed runs, then random
  // levels of every length up to a few groups (a partial last group included).
  std::vector<uint8_t> levels;
  for (int pattern = 0; pattern < 256; ++pattern) {
    for (int b = 0; b < 8; ++b) levels.push_back(static_cast<uint8_t>((pattern >> b) & 1));
    for (int b = 0; b < 8; ++b) levels.push_back(static_cast<uint8_t>(b % 2));
  }
  std::string out;
  AppendRleBitPacked(absl::MakeConstSpan(levels), 1, &out);
  auto decoded = parquet_test::DecodeRle(out, 1, levels.size());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(*decoded, std::vector<uint32_t>(levels.begin(), levels.end()));
  uint64_t state = 12345;
  for (size_t length = 0; length < 70; ++length) {
    std::vector<uint8_t> random(length);
    for (uint8_t& level : random) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      level = static_cast<uint8_t>((state >> 40) & 1);
    }
    out.clear();
    AppendRleBitPacked(absl::MakeConstSpan(random), 1, &out);
    decoded = parquet_test::DecodeRle(out, 1, length);
    ASSERT_TRUE(decoded.has_value()) << length;
    EXPECT_EQ(*decoded, std::vector<uint32_t>(random.begin(), random.end())) << length;
  }
}

TEST(RleBitPackedTest, DictionaryIndexBitWidth) {
  EXPECT_EQ(DictionaryIndexBitWidth(1), 1);
  EXPECT_EQ(DictionaryIndexBitWidth(2), 1);
  EXPECT_EQ(DictionaryIndexBitWidth(3), 2);
  EXPECT_EQ(DictionaryIndexBitWidth(4), 2);
  EXPECT_EQ(DictionaryIndexBitWidth(5), 3);
  EXPECT_EQ(DictionaryIndexBitWidth(256), 8);
  EXPECT_EQ(DictionaryIndexBitWidth(257), 9);
}

std::string Sanitized(std::string_view in) {
  std::string out;
  AppendSanitizedUtf8(in, &out);
  return out;
}

constexpr char kFffd[] = "\xEF\xBF\xBD";

TEST(Utf8SanitizerTest, ValidTextIsKept) {
  for (std::string_view valid :
       {std::string_view(""), std::string_view("plain"), std::string_view("caf\xC3\xA9"),
        std::string_view("\xE2\x82\xAC euro"), std::string_view("\xF0\x9F\x98\x80"),
        std::string_view("\xF4\x8F\xBF\xBF"), std::string_view("nul\0in", 6),
        std::string_view("\xED\x9F\xBF"), std::string_view("\xEE\x80\x80")}) {
    EXPECT_TRUE(IsValidUtf8(valid)) << valid;
    EXPECT_EQ(Sanitized(valid), valid);
  }
}

TEST(Utf8SanitizerTest, EachMaximalInvalidSubpartBecomesOneReplacement) {
  const std::string r = kFffd;
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"\xFF", r},
      {"a\x80z", "a" + r + "z"},
      {"\xC0\xAF", r + r},                   // overlong lead bytes are never valid
      {"\xE0\x80\x80", r + r + r},           // E0 needs A0..BF next
      {"\xED\xA0\x80", r + r + r},           // a UTF-16 surrogate
      {"\xF4\x90\x80\x80", r + r + r + r},   // past U+10FFFF
      {"\xF0\x9F\x98", r},                   // truncated at the end: one replacement
      {"\xF0\x9F\x98z", r + "z"},            // truncated before ASCII
      {"\xE2\x82\xF0\x9F\x98\x80", r + "\xF0\x9F\x98\x80"},
      {"\xC3", r},
      {"\xC3\xA9\xC3", "\xC3\xA9" + r},
      {"\xF5\xF6", r + r},
      {"ok \xFE\xFE ok", "ok " + r + r + " ok"},
  };
  for (const Case& c : cases) {
    EXPECT_FALSE(IsValidUtf8(c.in)) << c.in;
    EXPECT_EQ(Sanitized(c.in), c.out) << c.in;
  }
}

TEST(Utf8SanitizerTest, AnyBytesComeOutValidAndStable) {
  uint64_t seed = 11;
  for (int n = 0; n < 20000; ++n) {
    std::string in;
    const size_t length = static_cast<size_t>(n % 24);
    for (size_t i = 0; i < length; ++i) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      // Bias towards the bytes that make multi-byte sequences.
      const uint8_t b = static_cast<uint8_t>(seed >> 56);
      in.push_back(static_cast<char>(n % 3 == 0 ? b : (b | 0x80)));
    }
    const std::string out = Sanitized(in);
    ASSERT_TRUE(IsValidUtf8(out)) << n;
    EXPECT_EQ(Sanitized(out), out);
    EXPECT_EQ(IsValidUtf8(in), out == in);
  }
}

TEST(StringDictionaryTest, SameValueSameIndex) {
  StringDictionary dictionary;
  bool added;
  EXPECT_EQ(dictionary.Insert("nginx", &added), 0u);
  EXPECT_TRUE(added);
  EXPECT_EQ(dictionary.Insert("", &added), 1u);
  EXPECT_TRUE(added);
  EXPECT_EQ(dictionary.Insert("nginx", &added), 0u);
  EXPECT_FALSE(added);
  EXPECT_EQ(dictionary.size(), 2u);
  EXPECT_EQ(dictionary.entry(0), "nginx");
  // The dictionary page body: PLAIN byte arrays.
  EXPECT_EQ(dictionary.plain(), Bytes({5, 0, 0, 0, 'n', 'g', 'i', 'n', 'x', 0, 0, 0, 0}));
  dictionary.Clear();
  EXPECT_EQ(dictionary.size(), 0u);
  EXPECT_EQ(dictionary.Insert("other", &added), 0u);
  EXPECT_TRUE(added);
}

TEST(StringDictionaryTest, IndicesSurviveGrowth) {
  StringDictionary dictionary;
  bool added;
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(dictionary.Insert("value-" + std::to_string(i), &added), static_cast<uint32_t>(i));
  for (int i = 4999; i >= 0; --i) {
    ASSERT_EQ(dictionary.Insert("value-" + std::to_string(i), &added), static_cast<uint32_t>(i));
    ASSERT_FALSE(added);
    ASSERT_EQ(dictionary.entry(static_cast<uint32_t>(i)), "value-" + std::to_string(i));
  }
}

TEST(PageCompressorTest, EachCodecRoundTrips) {
  std::string body;
  for (int i = 0; i < 5000; ++i) body += "http://host" + std::to_string(i % 97) + ".example/\xFF";
  std::string back;

  PageCompressor zstd(ParquetCompression::kZstd);
  EXPECT_EQ(zstd.codec(), CompressionCodec::kZstd);
  for (PageContent content : {PageContent::kGeneral, PageContent::kNoisyNumbers}) {
    const std::string out(zstd.Compress(body, content));
    EXPECT_LT(out.size(), body.size() / 4);
    ASSERT_TRUE(parquet_test::Decompress(6, out, body.size(), &back));
    EXPECT_EQ(back, body);
  }

  PageCompressor snappy(ParquetCompression::kSnappy);
  EXPECT_EQ(snappy.codec(), CompressionCodec::kSnappy);
  const std::string out(snappy.Compress(body));
  EXPECT_LT(out.size(), body.size() / 2);
  ASSERT_TRUE(parquet_test::Decompress(1, out, body.size(), &back));
  EXPECT_EQ(back, body);

  PageCompressor none(ParquetCompression::kNone);
  EXPECT_EQ(none.codec(), CompressionCodec::kUncompressed);
  EXPECT_EQ(none.Compress(body), body);

  // An empty body still makes a frame readers accept.
  ASSERT_TRUE(parquet_test::Decompress(6, std::string(zstd.Compress("")), 0, &back));
}

TEST(PageCompressorTest, EachCallReplacesThePreviousOutput) {
  PageCompressor zstd(ParquetCompression::kZstd);
  const std::string big(100000, 'a');
  const std::string first(zstd.Compress(big));
  const std::string small = "abc";
  const std::string second(zstd.Compress(small));
  std::string back;
  ASSERT_TRUE(parquet_test::Decompress(6, second, small.size(), &back));
  EXPECT_EQ(back, small);
  ASSERT_TRUE(parquet_test::Decompress(6, first, big.size(), &back));
  EXPECT_EQ(back, big);
}

TEST(RleBitPackedTest, ByteBufferAndStringGiveTheSameBytesWithinTheBound) {
  // Patterns that cost the most per value (runs of exactly 8 between single literal groups), random
  // values and long runs, at every bit width.
  uint64_t seed = 99;
  auto next = [&] {
    seed = seed * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(seed >> 33);
  };
  for (int bit_width = 1; bit_width <= 32; ++bit_width) {
    const uint32_t mask = bit_width == 32 ? 0xFFFFFFFFu : (1u << bit_width) - 1;
    std::vector<std::vector<uint32_t>> inputs(3);
    for (int i = 0; i < 40; ++i) {
      inputs[0].insert(inputs[0].end(), 8, next() & mask);
      for (int k = 0; k < 8; ++k) inputs[0].push_back(next() & mask);
    }
    for (int i = 0; i < 1001; ++i) inputs[1].push_back(next() & mask);
    inputs[2].assign(5000, mask);
    for (const std::vector<uint32_t>& values : inputs) {
      std::string as_string = "prefix";
      AppendRleBitPacked(absl::MakeConstSpan(values), bit_width, &as_string);
      ByteBuffer as_buffer;
      as_buffer.Append("prefix");
      AppendRleBitPacked(absl::MakeConstSpan(values), bit_width, &as_buffer);
      EXPECT_EQ(as_buffer.view(), as_string) << bit_width;
      EXPECT_LE(as_string.size() - 6, MaxRleBitPackedBytes(values.size(), bit_width)) << bit_width;
      auto decoded = parquet_test::DecodeRle(std::string_view(as_string).substr(6), bit_width, values.size());
      ASSERT_TRUE(decoded.has_value()) << bit_width;
      EXPECT_EQ(*decoded, values) << bit_width;
    }
  }
  std::vector<uint8_t> levels;
  for (int i = 0; i < 3000; ++i) levels.push_back(static_cast<uint8_t>((i / 8) % 3 == 0 ? 1 : (next() & 1)));
  std::string as_string;
  AppendRleBitPacked(absl::MakeConstSpan(levels), 1, &as_string);
  ByteBuffer as_buffer;
  AppendRleBitPacked(absl::MakeConstSpan(levels), 1, &as_buffer);
  EXPECT_EQ(as_buffer.view(), as_string);
  EXPECT_LE(as_string.size(), MaxRleBitPackedBytes(levels.size(), 1));
}

TEST(RawZstdFrameTest, AnyZstdDecoderReadsItBack) {
  // Around the 1-, 2- and 4-byte content size fields and the 128 KiB block limit, with the content
  // split between head and tail at its start, middle and end.
  for (size_t size : {size_t{0}, size_t{1}, size_t{255}, size_t{256}, size_t{65791}, size_t{65792},
                      size_t{131071}, size_t{131072}, size_t{131073}, size_t{400000}}) {
    std::string content(size, '\0');
    for (size_t i = 0; i < size; ++i) content[i] = static_cast<char>((i * 2654435761u) >> 13);
    for (size_t split : {size_t{0}, size / 3, size}) {
      std::string frame = "before";
      AppendRawZstdFrame(std::string_view(content).substr(0, split), std::string_view(content).substr(split), &frame);
      const std::string_view bytes = std::string_view(frame).substr(6);
      EXPECT_EQ(bytes.size(), RawZstdFrameSize(size)) << size;
      EXPECT_EQ(ZSTD_getFrameContentSize(bytes.data(), bytes.size()), size) << size;
      EXPECT_EQ(ZSTD_findFrameCompressedSize(bytes.data(), bytes.size()), bytes.size()) << size;
      std::string back;
      ASSERT_TRUE(parquet_test::Decompress(6, bytes, size, &back)) << size << " " << split;
      EXPECT_EQ(back, content) << size << " " << split;
    }
  }
}

// What PageWriter decides for the zstd pages of one column, page after page.
class PageCompressionPolicyTest : public ::testing::Test {
 protected:
  PageCompressionPolicyTest() : pages_(ParquetCompression::kZstd) {}

  // Writes one REQUIRED DOUBLE data page; returns whether it went through zstd (not stored raw by
  // PageWriter itself), which leaves the history's count of raw pages untouched or sets it.
  bool WritePage(const std::vector<double>& values) {
    const int before = history_.raw_pages_left;
    const ColumnSchema column{"d", PhysicalType::kDouble, Repetition::kRequired};
    pages_.BeginChunk(column, &history_, &chunk_);
    const std::string_view body(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(double));
    pages_.WriteDataPage({}, static_cast<int32_t>(values.size()), Encoding::kPlain, body);
    pages_.EndChunk();
    // Every page, raw or compressed, is a zstd frame of the body.
    const parquet_test::Thrift header = ParseHeader();
    std::string back;
    EXPECT_TRUE(parquet_test::Decompress(6, std::string_view(chunk_.bytes).substr(header_size_),
                                         body.size(), &back));
    EXPECT_EQ(back, body);
    return before == 0;
  }

  parquet_test::Thrift ParseHeader() {
    parquet_test::ThriftReader reader(chunk_.bytes);
    parquet_test::Thrift header = reader.Struct();
    header_size_ = reader.position();
    return header;
  }

  static std::vector<double> Noise(size_t n, uint64_t seed) {
    std::vector<double> values(n);
    for (double& v : values) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      v = static_cast<double>(seed >> 11) / 9007199254740992.0 * 1000.0;
    }
    return values;
  }

  PageWriter pages_;
  CompressionHistory history_;
  PreparedColumnChunk chunk_;
  size_t header_size_ = 0;
};

TEST_F(PageCompressionPolicyTest, PagesThatDoNotShrinkAreStoredRawUntilTheNextTry) {
  EXPECT_TRUE(WritePage(Noise(2000, 1)));  // zstd finds nothing in measured timings
  EXPECT_GT(history_.raw_pages_left, 0);
  int raw = 0;
  for (int page = 0; page < 20 && history_.raw_pages_left > 0; ++page) {
    const std::vector<double> values = Noise(2000, 2 + page);
    EXPECT_FALSE(WritePage(values));
    // Stored as the raw frame of the body: the page costs a copy.
    std::string frame;
    AppendRawZstdFrame({}, std::string_view(reinterpret_cast<const char*>(values.data()), values.size() * 8), &frame);
    EXPECT_EQ(std::string_view(chunk_.bytes).substr(header_size_), frame);
    ++raw;
  }
  EXPECT_EQ(raw, 8);
  // The values turned repetitive (every connect timed out): the next try compresses them (zstd's fast
  // level for DOUBLE pages halves them) and the column stays compressed.
  const std::vector<double> constant(2000, 5000.0);
  EXPECT_TRUE(WritePage(constant));
  EXPECT_LT(chunk_.metadata.total_compressed_size, chunk_.metadata.total_uncompressed_size * 3 / 4);
  EXPECT_EQ(history_.raw_pages_left, 0);
  EXPECT_TRUE(WritePage(constant));
}

TEST_F(PageCompressionPolicyTest, SmallPagesTeachNothing) {
  // A row group cut short by Flush() holds a few rows, whose page zstd cannot shrink (a frame's header
  // costs more than it saves); the large pages after it are still compressed.
  EXPECT_TRUE(WritePage(Noise(3, 7)));
  EXPECT_EQ(history_.raw_pages_left, 0);
  EXPECT_TRUE(WritePage(std::vector<double>(2000, 1.0)));
}

TEST(StringDictionaryTest, EqualComparesEveryByteAtEveryLength) {
  for (size_t n = 0; n <= 40; ++n) {
    const std::string a(n, 'x');
    EXPECT_TRUE(StringDictionary::Equal(a, std::string(n, 'x'))) << n;
    EXPECT_FALSE(StringDictionary::Equal(a, std::string(n + 1, 'x'))) << n;
    for (size_t i = 0; i < n; ++i) {
      std::string b = a;
      b[i] = 'y';
      EXPECT_FALSE(StringDictionary::Equal(a, b)) << n << " " << i;
    }
  }
}

TEST(StringDictionaryTest, HashSpreadsSimilarValues) {
  // Values that differ in one byte anywhere, or only in length, land in different slots of a
  // 4,096-slot table almost always.
  std::set<uint64_t> slots;
  int values = 0;
  for (size_t n = 0; n < 40; ++n) {
    for (size_t i = 0; i < n; ++i) {
      std::string v(n, 'a');
      v[i] = 'b';
      slots.insert(StringDictionary::Hash(v) & 4095);
      ++values;
    }
    slots.insert(StringDictionary::Hash(std::string(n, 'a')) & 4095);
    ++values;
  }
  EXPECT_GT(static_cast<int>(slots.size()), values * 8 / 10);
}

}  // namespace
}  // namespace urlsweep::parquet
