#include "output/report/parquet_page.h"

#include <snappy.h>
#include <zstd.h>

#include "output/report/parquet_format.h"

namespace urlsweep {
namespace {

// DataPageHeader (PageHeader field 5) or DictionaryPageHeader (field 7): num_values, encoding, and for
// a data page the definition levels' encoding.
bool ReadPageSubheader(ThriftDecoder& d, bool data, ParquetPageHeader* h) {
  return d.Struct([&](int16_t id, uint8_t type) {
    if (id == 1) return d.Int32(type, &h->num_values);
    if (id == 2) return d.Int32(type, &h->encoding);
    if (id == 3 && data) return d.Int32(type, &h->definition_level_encoding);
    return d.Skip(type);
  });
}

}  // namespace

bool ReadParquetPageHeader(ThriftDecoder& d, ParquetPageHeader* h) {
  return d.Struct([&](int16_t id, uint8_t type) {
    switch (id) {
      case 1: return d.Int32(type, &h->type);
      case 2: return d.Int32(type, &h->uncompressed_size);
      case 3: return d.Int32(type, &h->compressed_size);
      case 5:
      case 7: return type == kThriftStruct ? ReadPageSubheader(d, id == 5, h) : d.Skip(type);
      default: return d.Skip(type);
    }
  });
}

bool DecompressParquetPage(int32_t codec, std::string_view in, size_t size, std::string* out) {
  switch (codec) {
    case kParquetUncompressed:
      if (in.size() != size) return false;
      out->assign(in.data(), in.size());
      return true;
    case kParquetSnappy: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &n) || n != size) return false;
      out->resize(size);
      return snappy::RawUncompress(in.data(), in.size(), out->data());
    }
    case kParquetZstd: {
      out->resize(size);
      const size_t n = ZSTD_decompress(out->data(), size, in.data(), in.size());
      return !ZSTD_isError(n) && n == size;
    }
    default: return false;
  }
}

bool DecodeRleBitPackedHybrid(std::string_view data, int bit_width, size_t count, std::vector<uint32_t>* out) {
  out->clear();
  if (bit_width < 0 || bit_width > 32) return false;
  const size_t value_bytes = static_cast<size_t>((bit_width + 7) / 8);
  size_t pos = 0;
  while (out->size() < count) {
    uint64_t header = 0;
    int shift = 0;
    while (true) {
      if (pos >= data.size() || shift > 63) return false;
      const uint8_t b = static_cast<uint8_t>(data[pos++]);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    const uint64_t left = count - out->size();
    if ((header & 1) == 0) {
      const uint64_t run = header >> 1;
      if (run == 0 || value_bytes > data.size() - pos) return false;
      uint32_t value = 0;
      for (size_t b = 0; b < value_bytes; ++b) {
        value |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos + b])) << (8 * b);
      }
      pos += value_bytes;
      if (bit_width < 32 && (value >> bit_width) != 0) return false;
      out->insert(out->end(), static_cast<size_t>(run < left ? run : left), value);
    } else {
      const uint64_t groups = header >> 1;
      if (groups == 0) return false;
      // Each group of 8 values takes bit_width bytes.
      if (bit_width > 0 && groups > (data.size() - pos) / static_cast<uint64_t>(bit_width)) return false;
      const uint64_t values = groups * 8;
      const uint64_t take = values < left ? values : left;
      const uint64_t mask = bit_width == 32 ? 0xffffffffu : ((uint64_t{1} << bit_width) - 1);
      for (uint64_t k = 0; k < take; ++k) {
        const uint64_t bit = k * static_cast<uint64_t>(bit_width);
        uint64_t word = 0;
        const size_t first = pos + static_cast<size_t>(bit / 8);
        const size_t span = static_cast<size_t>((bit % 8 + static_cast<uint64_t>(bit_width) + 7) / 8);
        for (size_t b = 0; b < span; ++b)
          word |= static_cast<uint64_t>(static_cast<uint8_t>(data[first + b])) << (8 * b);
        out->push_back(static_cast<uint32_t>((word >> (bit % 8)) & mask));
      }
      pos += static_cast<size_t>(groups) * static_cast<size_t>(bit_width);
    }
  }
  return true;
}

bool SplitPlainValues(int32_t type, std::string_view data, size_t count, std::vector<std::string_view>* out) {
  size_t pos = 0;
  for (size_t k = 0; k < count; ++k) {
    size_t n = type == kParquetInt32 ? 4 : 8;
    if (type == kParquetByteArray) {
      if (data.size() - pos < 4) return false;
      n = LoadLe32(data.data() + pos);
      pos += 4;
    }
    if (n > data.size() - pos) return false;
    out->push_back(data.substr(pos, n));
    pos += n;
  }
  return true;
}

}  // namespace urlsweep
