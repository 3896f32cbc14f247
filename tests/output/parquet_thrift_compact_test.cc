// The Thrift compact encoder's bytes, checked against the protocol specification
// (thrift doc/specs/thrift-compact-protocol.md), and read back by the test reader.
#include "output/parquet/thrift_compact.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "tests/output/parquet_test_reader.h"

namespace urlsweep::parquet {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

std::string Varint(uint64_t v) {
  std::string out;
  ThriftCompactWriter::AppendVarint(v, &out);
  return out;
}

TEST(ThriftCompactTest, VarintsAreUnsignedLeb128) {
  EXPECT_EQ(Varint(0), Bytes({0x00}));
  EXPECT_EQ(Varint(1), Bytes({0x01}));
  EXPECT_EQ(Varint(127), Bytes({0x7f}));
  EXPECT_EQ(Varint(128), Bytes({0x80, 0x01}));
  EXPECT_EQ(Varint(300), Bytes({0xac, 0x02}));
  EXPECT_EQ(Varint(50399), Bytes({0xdf, 0x89, 0x03}));  // the specification's example
  EXPECT_EQ(Varint(std::numeric_limits<uint64_t>::max()),
            Bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(ThriftCompactTest, ZigZagFoldsNegativesBetweenPositives) {
  EXPECT_EQ(ThriftCompactWriter::ZigZag32(0), 0u);
  EXPECT_EQ(ThriftCompactWriter::ZigZag32(-1), 1u);
  EXPECT_EQ(ThriftCompactWriter::ZigZag32(1), 2u);
  EXPECT_EQ(ThriftCompactWriter::ZigZag32(-2), 3u);
  EXPECT_EQ(ThriftCompactWriter::ZigZag32(std::numeric_limits<int32_t>::max()), 0xfffffffeu);
  EXPECT_EQ(ThriftCompactWriter::ZigZag32(std::numeric_limits<int32_t>::min()), 0xffffffffu);
  EXPECT_EQ(ThriftCompactWriter::ZigZag64(-3), 5u);
  EXPECT_EQ(ThriftCompactWriter::ZigZag64(std::numeric_limits<int64_t>::max()), 0xfffffffffffffffeull);
  EXPECT_EQ(ThriftCompactWriter::ZigZag64(std::numeric_limits<int64_t>::min()), 0xffffffffffffffffull);
}

TEST(ThriftCompactTest, IntegerFieldsUseShortHeadersAndZigZagVarints) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteI32(1, 5);      // delta 1, type 5 (i32), zigzag 10
  w.WriteI64(2, -1);     // delta 1, type 6 (i64), zigzag 1
  w.WriteI16(3, 300);    // delta 1, type 4 (i16), zigzag 600
  w.WriteI8(4, -2);      // delta 1, type 3 (i8), one raw byte
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x15, 0x0a, 0x16, 0x01, 0x14, 0xd8, 0x04, 0x13, 0xfe, 0x00}));
}

TEST(ThriftCompactTest, FieldDeltasAboveFifteenOrBackwardsUseTheLongHeader) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteI32(15, 0);   // delta 15: still short
  w.WriteI32(31, 0);   // delta 16: type byte, then zigzag id 62
  w.WriteI32(2, 0);    // backwards: long form, zigzag id 4
  w.WriteI32(3, 0);    // delta 1 from the previous field, whatever its form
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0xf5, 0x00, 0x05, 0x3e, 0x00, 0x05, 0x04, 0x00, 0x15, 0x00, 0x00}));
}

TEST(ThriftCompactTest, BoolFieldsLiveInTheHeader) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteBool(1, true);
  w.WriteBool(2, false);
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x11, 0x12, 0x00}));
}

TEST(ThriftCompactTest, BinaryIsLengthPrefixed) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteBinary(4, "abc");
  w.WriteBinary(5, "");
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x48, 0x03, 'a', 'b', 'c', 0x18, 0x00, 0x00}));
}

TEST(ThriftCompactTest, DoublesAreLittleEndian) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteDouble(1, 1.0);
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x00}));
}

TEST(ThriftCompactTest, NestedStructsRestartAndRestoreFieldIds) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteI32(1, 1);
  w.BeginStruct(3);   // delta 2, type 12
  w.WriteI32(1, 2);   // ids restart at 0 inside
  w.BeginStruct(2);
  w.EndStruct();      // empty struct: just its stop byte
  w.EndStruct();
  w.WriteI32(4, 3);   // delta 1 from the struct field 3
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x15, 0x02, 0x2c, 0x15, 0x04, 0x1c, 0x00, 0x00, 0x15, 0x06, 0x00}));
}

TEST(ThriftCompactTest, ListsCarrySizeAndElementType) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.BeginList(1, ThriftType::kI32, 3);
  w.ListI32(1);
  w.ListI32(-1);
  w.ListI32(64);
  w.BeginList(2, ThriftType::kBinary, 1);
  w.ListBinary("x");
  w.BeginList(3, kBoolList, 2);
  w.ListBool(true);
  w.ListBool(false);
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x19, 0x35, 0x02, 0x01, 0x80, 0x01, 0x19, 0x18, 0x01, 'x', 0x19, 0x22, 0x01, 0x00,
                        0x00}));
}

TEST(ThriftCompactTest, ListsOfFifteenOrMoreUseTheLongHeader) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.BeginList(1, ThriftType::kI64, 15);
  for (int i = 0; i < 15; ++i) w.ListI64(0);
  w.EndStruct();
  EXPECT_EQ(out.substr(0, 3), Bytes({0x19, 0xf6, 0x0f}));
  EXPECT_EQ(out.size(), 3u + 15u + 1u);
}

TEST(ThriftCompactTest, StructElementsOfAListStartTheirOwnIds) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteI32(5, 0);
  w.BeginList(6, ThriftType::kStruct, 2);
  w.BeginListStruct();
  w.WriteI32(1, 7);
  w.EndStruct();
  std::string encoded;
  ThriftCompactWriter inner(&encoded);
  inner.WriteI32(2, 8);
  inner.EndStruct();
  w.ListEncodedStruct(encoded);
  w.WriteI32(7, 1);  // delta 1 from the list field 6
  w.EndStruct();
  EXPECT_EQ(out, Bytes({0x55, 0x00, 0x19, 0x2c, 0x15, 0x0e, 0x00, 0x25, 0x10, 0x00, 0x15, 0x02, 0x00}));

  parquet_test::ThriftReader reader(out);
  const parquet_test::Thrift s = reader.Struct();
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader.position(), out.size());
  ASSERT_EQ(s[6].list.size(), 2u);
  EXPECT_EQ(s[6].list[0][1].i, 7);
  EXPECT_EQ(s[6].list[1][2].i, 8);
  EXPECT_EQ(s[7].i, 1);
}

TEST(ThriftCompactTest, RoundTripsThroughAnIndependentDecoder) {
  std::string out;
  ThriftCompactWriter w(&out);
  w.WriteI64(1, std::numeric_limits<int64_t>::min());
  w.WriteBinary(20, std::string(300, 'z'));
  w.BeginStruct(21);
  w.WriteBool(1, true);
  w.WriteI32(100, -123456);
  w.EndStruct();
  w.WriteDouble(22, -0.5);
  w.EndStruct();
  parquet_test::ThriftReader reader(out);
  const parquet_test::Thrift s = reader.Struct();
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader.position(), out.size());
  EXPECT_EQ(s[1].i, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(s[20].bin, std::string(300, 'z'));
  EXPECT_EQ(s[21][1].i, 1);
  EXPECT_EQ(s[21][100].i, -123456);
  EXPECT_EQ(s[22].d, -0.5);
}

}  // namespace
}  // namespace urlsweep::parquet
