#include "core/output_format.h"

#include <gtest/gtest.h>

namespace urlsweep {
namespace {

TEST(OutputFormatTest, NamesRoundTrip) {
  for (const OutputFormatInfo& info : kOutputFormats) {
    EXPECT_EQ(OutputFormatName(info.format), info.name);
    OutputFormat f = OutputFormat::kCsv;
    ASSERT_TRUE(OutputFormatFromName(info.name, &f));
    EXPECT_EQ(f, info.format);
  }
  EXPECT_EQ(OutputFormatName(OutputFormat::kJsonl), "jsonl");
}

TEST(OutputFormatTest, NamesAreExact) {
  OutputFormat f = OutputFormat::kJsonl;
  EXPECT_FALSE(OutputFormatFromName("CSV", &f));
  EXPECT_FALSE(OutputFormatFromName("json", &f));
  EXPECT_FALSE(OutputFormatFromName("", &f));
  EXPECT_EQ(f, OutputFormat::kJsonl);
}

TEST(OutputFormatTest, Extensions) {
  OutputFormat f = OutputFormat::kCsv;
  ASSERT_TRUE(OutputFormatFromExtension("out/rows.parquet", &f));
  EXPECT_EQ(f, OutputFormat::kParquet);
  ASSERT_TRUE(OutputFormatFromExtension("rows.jsonl", &f));
  EXPECT_EQ(f, OutputFormat::kJsonl);
  ASSERT_TRUE(OutputFormatFromExtension(".csv", &f));
  EXPECT_EQ(f, OutputFormat::kCsv);
  f = OutputFormat::kJsonl;
  EXPECT_FALSE(OutputFormatFromExtension("rows.JSONL", &f));  // callers lower the path when they allow it
  EXPECT_FALSE(OutputFormatFromExtension("rows.json", &f));
  EXPECT_FALSE(OutputFormatFromExtension("parquet", &f));
  EXPECT_FALSE(OutputFormatFromExtension("-", &f));
  // Text lines have no extension of their own: a name without one is not text.
  EXPECT_FALSE(OutputFormatFromExtension("rows", &f));
  EXPECT_FALSE(OutputFormatFromExtension("", &f));
  EXPECT_EQ(f, OutputFormat::kJsonl);
}

}  // namespace
}  // namespace urlsweep
