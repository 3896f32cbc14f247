// The Parquet reader's building blocks on their own: ThriftDecoder against the writer's Thrift encoder,
// the RLE / bit-packing hybrid against the writer's encoder at every bit width, PLAIN splitting, and
// malformed input (every truncation, hostile nesting) refused without a crash. Whole files, corrupt ones
// included, are read in result_readers_test.cc.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "output/parquet/rle_bit_packed.h"
#include "output/parquet/thrift_compact.h"
#include "output/report/parquet_format.h"
#include "output/report/parquet_page.h"
#include "output/report/thrift_decoder.h"

namespace urlsweep {
namespace {

using parquet::ThriftCompactWriter;
using parquet::ThriftType;

// A struct with the field kinds a footer holds: small and large ids, negative integers, binary, a
// nested struct, a list of binaries, a bool and a double (the last two skipped by the reader).
std::string SampleStruct() {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteI32(1, -7);
  w.WriteI64(2, int64_t{-1} << 40);
  w.WriteBinary(4, "host");
  w.BeginStruct(5);
  w.WriteI32(1, 42);
  w.EndStruct();
  w.BeginList(6, ThriftType::kBinary, 2);
  w.ListBinary("a");
  w.ListBinary("bc");
  w.WriteBool(7, true);
  w.WriteDouble(8, 0.5);
  w.WriteI16(300, 9);  // a delta past 15: the long field header
  w.EndStruct();
  return out;
}

// Reads SampleStruct's fields back; false (with d.error() set) on any failure.
bool ReadSample(ThriftDecoder& d) {
  d.BeginStruct();
  int16_t id = 0;
  uint8_t type = 0;
  int seen = 0;
  while (d.Field(&id, &type)) {
    bool ok = true;
    int64_t i = 0;
    int32_t i32 = 0;
    std::string_view bytes;
    switch (id) {
      case 1:
        ok = d.Int32(type, &i32);
        if (ok) {
          EXPECT_EQ(i32, -7);
        }
        break;
      case 2:
        ok = d.Int(type, &i);
        if (ok) {
          EXPECT_EQ(i, int64_t{-1} << 40);
        }
        break;
      case 4:
        ok = d.Binary(type, &bytes);
        if (ok) {
          EXPECT_EQ(bytes, "host");
        }
        break;
      case 6: {
        uint8_t element = 0;
        uint64_t n = 0;
        ok = d.List(type, &element, &n);
        if (ok) {
          EXPECT_EQ(n, 2u);
        }
        for (uint64_t k = 0; ok && k < n; ++k) ok = d.Binary(element, &bytes);
        if (ok) {
          EXPECT_EQ(bytes, "bc");
        }
        break;
      }
      case 300:
        ok = d.Int(type, &i);
        if (ok) {
          EXPECT_EQ(i, 9);
        }
        break;
      default: ok = d.Skip(type); break;  // 5 (struct), 7 (bool), 8 (double)
    }
    if (!ok) return false;
    ++seen;
  }
  d.EndStruct();
  if (!d.error().empty()) return false;
  EXPECT_EQ(seen, 8);
  return true;
}

TEST(ThriftDecoderTest, ReadsWhatTheWriterWrites) {
  const std::string bytes = SampleStruct();
  ThriftDecoder d(bytes);
  ASSERT_TRUE(ReadSample(d)) << d.error();
  EXPECT_EQ(d.position(), bytes.size());
}

TEST(ThriftDecoderTest, EveryTruncationFails) {
  const std::string bytes = SampleStruct();
  for (size_t n = 0; n < bytes.size(); ++n) {
    ThriftDecoder d(std::string_view(bytes).substr(0, n));
    EXPECT_FALSE(ReadSample(d)) << n;
    EXPECT_FALSE(d.error().empty()) << n;
  }
}

TEST(ThriftDecoderTest, SkipsWholeStructs) {
  const std::string bytes = SampleStruct();
  ThriftDecoder d(bytes);
  ASSERT_TRUE(d.Skip(kThriftStruct)) << d.error();
  EXPECT_EQ(d.position(), bytes.size());
}

TEST(ThriftDecoderTest, HostileNestingIsCutOff) {
  // Struct fields (id delta 1, type struct) nested far deeper than kMaxDepth, never closed.
  const std::string bytes(1000, static_cast<char>(0x1c));
  ThriftDecoder d(bytes);
  EXPECT_FALSE(d.Skip(kThriftStruct));
  EXPECT_EQ(d.error().rfind("Thrift nested too deeply", 0), 0u) << d.error();
}

TEST(ThriftDecoderTest, LengthsPastTheDataFail) {
  ThriftDecoder binary(std::string_view("\x05" "ab", 3));
  std::string_view value;
  EXPECT_FALSE(binary.Binary(kThriftBinary, &value));
  EXPECT_EQ(binary.error().rfind("binary longer than the data", 0), 0u) << binary.error();

  ThriftDecoder list(std::string_view("\xf8\x7f", 2));  // 127 binaries announced, none there
  uint8_t element = 0;
  uint64_t size = 0;
  EXPECT_FALSE(list.List(kThriftList, &element, &size));
  EXPECT_EQ(list.error().rfind("list longer than the data", 0), 0u) << list.error();

  const std::string varint(11, static_cast<char>(0xff));
  ThriftDecoder long_varint(varint);
  uint64_t v = 0;
  EXPECT_FALSE(long_varint.Varint(&v));
}

TEST(ParquetPageTest, HybridDecodesTheWritersEncodingAtEveryWidth) {
  std::mt19937_64 random(7);
  for (int width = 1; width <= 32; ++width) {
    const uint64_t mask = width == 32 ? 0xffffffffu : (uint64_t{1} << width) - 1;
    for (size_t count : {1u, 7u, 8u, 9u, 100u, 1000u}) {
      std::vector<uint32_t> values(count);
      for (size_t i = 0; i < count; ++i) {
        // Runs of repeats and stretches of noise, so both run kinds occur.
        values[i] = (i / 16) % 2 == 0 && i > 0 ? values[i - 1] : static_cast<uint32_t>(random() & mask);
      }
      std::string encoded;
      parquet::AppendRleBitPacked(absl::MakeConstSpan(values), width, &encoded);
      std::vector<uint32_t> decoded;
      ASSERT_TRUE(DecodeRleBitPackedHybrid(encoded, width, count, &decoded)) << width << " " << count;
      EXPECT_EQ(decoded, values) << width << " " << count;
      // Fewer values than were written is allowed; more than the bytes hold is not.
      if (count > 1) {
        ASSERT_TRUE(DecodeRleBitPackedHybrid(encoded, width, count - 1, &decoded));
        EXPECT_EQ(decoded, std::vector<uint32_t>(values.begin(), values.end() - 1));
      }
      EXPECT_FALSE(DecodeRleBitPackedHybrid(encoded.substr(0, encoded.size() - 1), width, count, &decoded))
          << width << " " << count;
    }
  }
}

TEST(ParquetPageTest, HybridRefusesBadInput) {
  std::vector<uint32_t> out;
  EXPECT_FALSE(DecodeRleBitPackedHybrid("", 1, 1, &out));
  EXPECT_FALSE(DecodeRleBitPackedHybrid(std::string_view("\x02\x01", 2), 33, 1, &out));  // width > 32
  EXPECT_FALSE(DecodeRleBitPackedHybrid(std::string_view("\x02\x02", 2), 1, 1, &out));   // value > width
  EXPECT_FALSE(DecodeRleBitPackedHybrid(std::string_view("\x00\x01", 2), 1, 1, &out));   // empty run
  EXPECT_TRUE(DecodeRleBitPackedHybrid(std::string_view("\x02\x01", 2), 1, 1, &out));
  EXPECT_EQ(out, std::vector<uint32_t>{1});
}

TEST(ParquetPageTest, SplitsPlainValues) {
  std::vector<std::string_view> values;
  const std::string byte_arrays("\x02\x00\x00\x00" "hi" "\x00\x00\x00\x00" "\x03\x00\x00\x00" "abc", 17);
  ASSERT_TRUE(SplitPlainValues(kParquetByteArray, byte_arrays, 3, &values));
  EXPECT_EQ(values, (std::vector<std::string_view>{"hi", "", "abc"}));
  values.clear();
  EXPECT_FALSE(SplitPlainValues(kParquetByteArray, byte_arrays.substr(0, 16), 3, &values));
  values.clear();
  ASSERT_TRUE(SplitPlainValues(kParquetInt32, std::string(8, 'x'), 2, &values));
  EXPECT_EQ(values.size(), 2u);
  EXPECT_FALSE(SplitPlainValues(kParquetInt64, std::string(15, 'x'), 2, &values));
}

TEST(ParquetPageTest, UncompressedPageMustHaveItsSize) {
  std::string out;
  EXPECT_TRUE(DecompressParquetPage(kParquetUncompressed, "abc", 3, &out));
  EXPECT_EQ(out, "abc");
  EXPECT_FALSE(DecompressParquetPage(kParquetUncompressed, "abc", 4, &out));
  EXPECT_FALSE(DecompressParquetPage(kParquetZstd, "abc", 3, &out));
  EXPECT_FALSE(DecompressParquetPage(/*LZ4*/ 7, "abc", 3, &out));
}

}  // namespace
}  // namespace urlsweep
