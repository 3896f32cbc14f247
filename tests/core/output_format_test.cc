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
  for (const OutputCompressionInfo& info : kOutputCompressions) {
    EXPECT_EQ(OutputCompressionName(info.compression), info.name);
    OutputCompression c = OutputCompression::kNone;
    ASSERT_TRUE(OutputCompressionFromName(info.name, &c));
    EXPECT_EQ(c, info.compression);
  }
}

TEST(OutputFormatTest, NamesAreExact) {
  OutputFormat f = OutputFormat::kJsonl;
  EXPECT_FALSE(OutputFormatFromName("CSV", &f));
  EXPECT_FALSE(OutputFormatFromName("json", &f));
  EXPECT_FALSE(OutputFormatFromName("", &f));
  EXPECT_EQ(f, OutputFormat::kJsonl);
  OutputCompression c = OutputCompression::kZstd;
  EXPECT_FALSE(OutputCompressionFromName("gz", &c));
  EXPECT_FALSE(OutputCompressionFromName("GZIP", &c));
  EXPECT_EQ(c, OutputCompression::kZstd);
}

TEST(OutputFormatTest, OnlyTextFormatsAreStreamed) {
  EXPECT_TRUE(OutputFormatIsStreamed(OutputFormat::kCsv));
  EXPECT_TRUE(OutputFormatIsStreamed(OutputFormat::kJsonl));
  EXPECT_FALSE(OutputFormatIsStreamed(OutputFormat::kParquet));
  EXPECT_FALSE(OutputFormatIsStreamed(OutputFormat::kText));
}

struct NameCase {
  const char* path;
  OutputName::Kind kind;
  OutputFormat format;
  OutputCompression compression;
  const char* extension;
};

TEST(OutputFormatTest, FileNames) {
  using K = OutputName::Kind;
  using F = OutputFormat;
  using C = OutputCompression;
  const NameCase cases[] = {
      {"rows.csv", K::kFormat, F::kCsv, C::kNone, ""},
      {"out/rows.parquet", K::kFormat, F::kParquet, C::kNone, ""},
      {"rows.jsonl", K::kFormat, F::kJsonl, C::kNone, ""},
      {"rows.ndjson", K::kFormat, F::kJsonl, C::kNone, ""},
      {"rows.json", K::kFormat, F::kJsonl, C::kNone, ""},
      {"rows.csv.gz", K::kFormat, F::kCsv, C::kGzip, ""},
      {"rows.jsonl.zst", K::kFormat, F::kJsonl, C::kZstd, ""},
      {"rows.ndjson.gz", K::kFormat, F::kJsonl, C::kGzip, ""},
      {"rows.json.zst", K::kFormat, F::kJsonl, C::kZstd, ""},
      {"rows.parquet.gz", K::kFormat, F::kParquet, C::kGzip, ""},  // the caller refuses the pair
      {".csv", K::kNoExtension, F::kCsv, C::kNone, ""},            // a hidden file's name
      {"rows", K::kNoExtension, F::kCsv, C::kNone, ""},
      {"v1.2/rows", K::kNoExtension, F::kCsv, C::kNone, ""},       // a dot in a folder's name
      {"rows.gz", K::kNoExtension, F::kCsv, C::kGzip, ""},
      {".gz", K::kNoExtension, F::kCsv, C::kNone, ""},
      {"rows.xml", K::kUnknownExtension, F::kCsv, C::kNone, ".xml"},
      {"rows.csv.bak", K::kUnknownExtension, F::kCsv, C::kNone, ".bak"},
      {"rows.tar.gz", K::kUnknownExtension, F::kCsv, C::kGzip, ".tar"},
      {"rows.CSV", K::kUnknownExtension, F::kCsv, C::kNone, ".CSV"},  // callers lower the path when they allow it
      {"rows.csv.bz2", K::kUnknownExtension, F::kCsv, C::kNone, ".bz2"},
  };
  for (const NameCase& c : cases) {
    const OutputName name = ParseOutputName(c.path);
    EXPECT_EQ(name.kind, c.kind) << c.path;
    if (c.kind == K::kFormat) {
      EXPECT_EQ(name.format, c.format) << c.path;
    }
    EXPECT_EQ(name.compression, c.compression) << c.path;
    EXPECT_EQ(name.extension, c.extension) << c.path;
  }
}

}  // namespace
}  // namespace urlsweep
