// The Parquet writer's pure building blocks: the RLE / bit-packing hybrid, UTF-8 repair, the string
// dictionary and page compression.
#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "output/parquet/page_compressor.h"
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
