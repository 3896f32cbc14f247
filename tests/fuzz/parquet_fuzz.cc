// Fuzzes the Parquet writer's encoders with their own oracles:
//   - UTF-8 repair always yields valid UTF-8, leaves valid input alone and is idempotent;
//   - the RLE / bit-packing hybrid decodes back to its input at the input's bit width, and its
//     ByteBuffer overload writes the same bytes within MaxRleBitPackedBytes;
//   - a raw zstd frame of the input, split anywhere between head and tail, decodes back to it;
//   - rows built from the input, written with tiny row group, page and dictionary limits, read back
//     (independent test reader) as exactly the repaired strings, with every row group accounted for.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "output/parquet/byte_buffer.h"
#include "output/parquet/page_compressor.h"
#include "output/parquet/parquet_writer.h"
#include "output/parquet/rle_bit_packed.h"
#include "output/parquet/utf8_sanitizer.h"
#include "output/writer.h"
#include "tests/output/parquet_test_reader.h"

namespace {

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

std::string Repaired(std::string_view in) {
  std::string out;
  urlsweep::parquet::AppendSanitizedUtf8(in, &out);
  return out;
}

void FuzzUtf8(std::string_view in) {
  const std::string out = Repaired(in);
  Check(urlsweep::parquet::IsValidUtf8(out));
  Check(Repaired(out) == out);
  Check(urlsweep::parquet::IsValidUtf8(in) == (out == in));
}

void FuzzRle(std::string_view in) {
  if (in.empty()) return;
  const int bit_width = 1 + static_cast<uint8_t>(in[0]) % 32;
  const uint64_t mask = bit_width == 32 ? 0xffffffffull : (uint64_t{1} << bit_width) - 1;
  std::vector<uint32_t> values;
  for (size_t i = 1; i < in.size(); ++i) {
    // Small byte values repeat the previous value that many times: long runs as well as literals.
    const uint8_t b = static_cast<uint8_t>(in[i]);
    if (b < 16 && !values.empty()) {
      values.insert(values.end(), b, values.back());
    } else {
      values.push_back(static_cast<uint32_t>((b * 0x9E3779B1u) & mask));
    }
  }
  std::string encoded;
  urlsweep::parquet::AppendRleBitPacked(absl::MakeConstSpan(values), bit_width, &encoded);
  auto decoded = urlsweep::parquet_test::DecodeRle(encoded, bit_width, values.size());
  Check(decoded.has_value() && *decoded == values);
  // The pages' ByteBuffer overload writes the same bytes, within the room it makes.
  urlsweep::parquet::ByteBuffer buffer;
  urlsweep::parquet::AppendRleBitPacked(absl::MakeConstSpan(values), bit_width, &buffer);
  Check(buffer.view() == encoded);
  Check(encoded.size() <= urlsweep::parquet::MaxRleBitPackedBytes(values.size(), bit_width));
}

// A page stored raw: any split of the body between levels and values gives a frame zstd decodes.
void FuzzRawFrame(std::string_view in) {
  const size_t split = in.empty() ? 0 : static_cast<uint8_t>(in[0]) * in.size() / 256;
  std::string frame;
  urlsweep::parquet::AppendRawZstdFrame(in.substr(0, split), in.substr(split), &frame);
  Check(frame.size() == urlsweep::parquet::RawZstdFrameSize(in.size()));
  std::string back;
  Check(urlsweep::parquet_test::Decompress(6, frame, in.size(), &back) && back == in);
}

// Enough rows for several row groups and pages at the tiny limits below; more only slows the fuzzer.
constexpr size_t kMaxRows = 24;

void FuzzWriter(std::string_view in) {
  // Fields separated by '|', rows by '\n'; a field of "~" is null.
  std::vector<urlsweep::Row> rows;
  std::vector<std::string> expected_titles;
  size_t start = 0;
  while (start <= in.size() && rows.size() < kMaxRows) {
    size_t end = in.find('\n', start);
    if (end == std::string_view::npos) end = in.size();
    const std::string_view line = in.substr(start, end - start);
    urlsweep::Row row;
    row.line = static_cast<int64_t>(rows.size()) + 1;
    std::vector<std::string_view> fields;
    for (size_t f = 0; f <= line.size();) {
      size_t bar = line.find('|', f);
      if (bar == std::string_view::npos) bar = line.size();
      fields.push_back(line.substr(f, bar - f));
      f = bar + 1;
    }
    row.url.assign(fields[0]);
    if (fields.size() > 1 && fields[1] != "~") row.title.Set(fields[1]);
    if (fields.size() > 2 && fields[2] != "~") row.server.Set(fields[2]);
    if (fields.size() > 3) row.status = static_cast<int32_t>(fields[3].size());
    rows.push_back(std::move(row));
    start = end + 1;
  }

  const int fd = memfd_create("parquet_fuzz", MFD_CLOEXEC);
  if (fd < 0) return;
  {
    urlsweep::OutputFile file(dup(fd), "fuzz.parquet");
    urlsweep::Config config;
    // zstd sets up its tables for every page, which at these page sizes dominates a run: use it for
    // one input in five.
    config.parquet_compression = rows.size() % 5 == 0   ? urlsweep::ParquetCompression::kZstd
                                 : rows.size() % 2 == 0 ? urlsweep::ParquetCompression::kSnappy
                                                        : urlsweep::ParquetCompression::kNone;
    urlsweep::ParquetWriterOptions options;
    options.row_group_rows = 1 + static_cast<int64_t>(in.size() % 5);
    options.page_bytes = 32;
    options.max_dictionary_bytes = 48;
    auto writer = urlsweep::MakeParquetWriter(config, &file, options);
    Check(writer->Open(false).ok());
    for (size_t i = 0; i < rows.size(); i += 2) {
      Check(writer->Write(absl::MakeConstSpan(rows).subspan(i, std::min<size_t>(2, rows.size() - i))).ok());
    }
    Check(writer->Close().ok());
  }
  std::string bytes(static_cast<size_t>(lseek(fd, 0, SEEK_END)), '\0');
  Check(pread(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size()));
  close(fd);

  const urlsweep::parquet_test::ParquetFile file = urlsweep::parquet_test::ParseParquet(std::move(bytes));
  Check(file.ok);
  Check(file.metadata[3].i == static_cast<int64_t>(rows.size()));
  size_t row = 0;
  for (size_t g = 0; g < file.row_groups().size(); ++g) {
    const auto url = urlsweep::parquet_test::ReadColumn(file, g, 1);
    const auto title = urlsweep::parquet_test::ReadColumn(file, g, 16);
    const auto server = urlsweep::parquet_test::ReadColumn(file, g, 15);
    Check(url.ok && title.ok && server.ok);
    for (size_t k = 0; k < url.values.size(); ++k, ++row) {
      Check(row < rows.size());
      const urlsweep::Row& r = rows[row];
      Check(url.values[k] == Repaired(r.url));
      Check(title.values[k].has_value() == r.title.has_value());
      if (r.title.has_value()) Check(*title.values[k] == Repaired(r.title.view()));
      Check(server.values[k].has_value() == r.server.has_value());
      if (r.server.has_value()) Check(*server.values[k] == Repaired(r.server.view()));
    }
  }
  Check(row == rows.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  FuzzUtf8(in);
  FuzzRle(in);
  FuzzRawFrame(in);
  FuzzWriter(in);
  return 0;
}
