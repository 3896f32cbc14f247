// A small Parquet reader for the writer's unit tests, written independently of output/parquet/: a
// generic Thrift compact decoder, page header parsing, decompression and PLAIN / RLE_DICTIONARY / RLE
// level decoding, enough to check what urlsweep writes without DuckDB. Test-only: it trusts its input
// only as far as the tests need (a malformed file fails the test through `ok`).
#pragma once

#include <snappy.h>
#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace urlsweep::parquet_test {

// One decoded Thrift value: a struct (fields by id), a list, an integer, a double or bytes.
struct Thrift {
  int type = 0;  // compact type code of the value (1/2 bool, 3..6 ints, 7 double, 8 binary, 9 list, 12 struct)
  int64_t i = 0;
  double d = 0;
  std::string bin;
  std::vector<Thrift> list;
  std::map<int, Thrift> fields;

  bool has(int id) const { return fields.count(id) > 0; }
  const Thrift& operator[](int id) const {
    static const Thrift kMissing;
    auto it = fields.find(id);
    return it == fields.end() ? kMissing : it->second;
  }
};

class ThriftReader {
 public:
  explicit ThriftReader(std::string_view bytes) : bytes_(bytes) {}
  size_t position() const { return pos_; }
  bool ok() const { return ok_; }

  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return Fail();
      const uint8_t b = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return Fail();
  }
  static int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

  Thrift Struct() {
    Thrift s;
    s.type = 12;
    int last = 0;
    while (ok_) {
      if (pos_ >= bytes_.size()) {
        Fail();
        break;
      }
      const uint8_t header = static_cast<uint8_t>(bytes_[pos_++]);
      if (header == 0) break;
      const int type = header & 0x0f;
      const int delta = header >> 4;
      const int id = delta != 0 ? last + delta : static_cast<int>(UnZigZag(Varint()));
      last = id;
      if (type == 1 || type == 2) {
        Thrift b;
        b.type = type;
        b.i = type == 1;
        s.fields[id] = b;
      } else {
        s.fields[id] = Value(type);
      }
    }
    return s;
  }

  Thrift Value(int type) {
    Thrift v;
    v.type = type;
    switch (type) {
      case 3:
        if (pos_ >= bytes_.size()) return Fail(), v;
        v.i = static_cast<int8_t>(bytes_[pos_++]);
        break;
      case 4:
      case 5:
      case 6:
        v.i = UnZigZag(Varint());
        break;
      case 7: {
        if (pos_ + 8 > bytes_.size()) return Fail(), v;
        std::memcpy(&v.d, bytes_.data() + pos_, 8);
        pos_ += 8;
        break;
      }
      case 8: {
        const uint64_t n = Varint();
        if (n > bytes_.size() - pos_) return Fail(), v;
        v.bin.assign(bytes_.substr(pos_, n));
        pos_ += n;
        break;
      }
      case 9: {
        if (pos_ >= bytes_.size()) return Fail(), v;
        const uint8_t header = static_cast<uint8_t>(bytes_[pos_++]);
        uint64_t n = header >> 4;
        if (n == 15) n = Varint();
        const int element = header & 0x0f;
        for (uint64_t k = 0; k < n && ok_; ++k) {
          if (element == 1 || element == 2) {
            Thrift b;
            b.type = element;
            b.i = pos_ < bytes_.size() && bytes_[pos_++] == 1;
            v.list.push_back(b);
          } else {
            v.list.push_back(Value(element));
          }
        }
        break;
      }
      case 12:
        return Struct();
      default:
        Fail();
    }
    return v;
  }

 private:
  uint64_t Fail() {
    ok_ = false;
    return 0;
  }
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// Decodes `count` values of the RLE / bit-packed hybrid at `bit_width` from `data`; nullopt when the
// data runs out first.
inline std::optional<std::vector<uint32_t>> DecodeRle(std::string_view data, int bit_width, size_t count) {
  std::vector<uint32_t> out;
  size_t pos = 0;
  const size_t value_bytes = static_cast<size_t>((bit_width + 7) / 8);
  while (out.size() < count) {
    ThriftReader r(data.substr(pos));
    const uint64_t header = r.Varint();
    if (!r.ok()) return std::nullopt;
    pos += r.position();
    if ((header & 1) == 0) {
      if (pos + value_bytes > data.size()) return std::nullopt;
      uint32_t value = 0;
      for (size_t b = 0; b < value_bytes; ++b) value |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos + b])) << (8 * b);
      pos += value_bytes;
      for (uint64_t k = 0; k < (header >> 1) && out.size() < count; ++k) out.push_back(value);
    } else {
      const size_t values = static_cast<size_t>(header >> 1) * 8;
      const size_t bytes = values * static_cast<size_t>(bit_width) / 8;
      if (pos + bytes > data.size()) return std::nullopt;
      for (size_t k = 0; k < values; ++k) {
        uint32_t value = 0;
        for (int bit = 0; bit < bit_width; ++bit) {
          const size_t at = k * static_cast<size_t>(bit_width) + static_cast<size_t>(bit);
          if (static_cast<uint8_t>(data[pos + at / 8]) & (1u << (at % 8))) value |= 1u << bit;
        }
        if (out.size() < count) out.push_back(value);
      }
      pos += bytes;
    }
  }
  return out;
}

// One column chunk decoded: a value per row (nullopt = null) as PLAIN bytes, plus what the pages said.
struct DecodedColumn {
  std::vector<std::optional<std::string>> values;
  std::vector<int> page_types;      // PageHeader.type of each page, in order
  std::vector<int> data_encodings;  // DataPageHeader.encoding of each data page
  bool ok = true;
  std::string error;
};

struct ParquetFile {
  bool ok = false;
  std::string error;
  Thrift metadata;  // FileMetaData
  std::string bytes;

  const std::vector<Thrift>& row_groups() const { return metadata[4].list; }
  // SchemaElements without the root.
  std::vector<Thrift> columns() const {
    const auto& schema = metadata[2].list;
    return schema.empty() ? std::vector<Thrift>{} : std::vector<Thrift>(schema.begin() + 1, schema.end());
  }
};

inline ParquetFile ParseParquet(std::string bytes) {
  ParquetFile file;
  file.bytes = std::move(bytes);
  const std::string& b = file.bytes;
  if (b.size() < 12 || b.compare(0, 4, "PAR1") != 0 || b.compare(b.size() - 4, 4, "PAR1") != 0) {
    file.error = "no PAR1 magic at both ends";
    return file;
  }
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length |= static_cast<uint32_t>(static_cast<uint8_t>(b[b.size() - 8 + i])) << (8 * i);
  if (length > b.size() - 12) {
    file.error = "footer length past the file";
    return file;
  }
  ThriftReader reader(std::string_view(b).substr(b.size() - 8 - length, length));
  file.metadata = reader.Struct();
  if (!reader.ok() || reader.position() != length) {
    file.error = "footer does not decode to exactly its length";
    return file;
  }
  file.ok = true;
  return file;
}

inline bool Decompress(int codec, std::string_view in, size_t size, std::string* out) {
  out->assign(size, '\0');
  switch (codec) {
    case 0:
      out->assign(in);
      return in.size() == size;
    case 1: {
      size_t n = 0;
      return snappy::GetUncompressedLength(in.data(), in.size(), &n) && n == size &&
             snappy::RawUncompress(in.data(), in.size(), out->data());
    }
    case 6:
      return ZSTD_decompress(out->data(), size, in.data(), in.size()) == size;
  }
  return false;
}

// Splits PLAIN values of a physical type (1 INT32, 2 INT64, 5 DOUBLE, 6 BYTE_ARRAY) into their bytes
// (byte arrays without the length prefix).
inline bool SplitPlain(int type, std::string_view data, size_t count, std::vector<std::string>* out) {
  size_t pos = 0;
  for (size_t k = 0; k < count; ++k) {
    size_t n = type == 1 ? 4 : 8;
    if (type == 6) {
      if (pos + 4 > data.size()) return false;
      uint32_t len = 0;
      for (int i = 0; i < 4; ++i) len |= static_cast<uint32_t>(static_cast<uint8_t>(data[pos + i])) << (8 * i);
      pos += 4;
      n = len;
    }
    if (pos + n > data.size()) return false;
    out->emplace_back(data.substr(pos, n));
    pos += n;
  }
  return pos == data.size();
}

inline DecodedColumn ReadColumn(const ParquetFile& file, size_t row_group, size_t column) {
  DecodedColumn out;
  auto fail = [&](std::string why) {
    out.ok = false;
    out.error = std::move(why);
    return out;
  };
  const Thrift& meta = file.row_groups()[row_group][1].list[column][3];
  const Thrift schema = file.columns()[column];
  const bool optional = schema[3].i == 1;
  const int type = static_cast<int>(meta[1].i);
  const int codec = static_cast<int>(meta[4].i);
  const int64_t num_values = meta[5].i;
  int64_t pos = meta.has(11) ? meta[11].i : meta[9].i;
  const int64_t end = pos + meta[7].i;
  std::vector<std::string> dictionary;
  std::string body;
  while (pos < end) {
    ThriftReader reader(std::string_view(file.bytes).substr(static_cast<size_t>(pos)));
    const Thrift header = reader.Struct();
    if (!reader.ok()) return fail("page header does not decode");
    pos += static_cast<int64_t>(reader.position());
    const int page_type = static_cast<int>(header[1].i);
    out.page_types.push_back(page_type);
    const size_t compressed = static_cast<size_t>(header[3].i);
    if (!Decompress(codec, std::string_view(file.bytes).substr(static_cast<size_t>(pos), compressed),
                    static_cast<size_t>(header[2].i), &body)) {
      return fail("page does not decompress to its uncompressed_page_size");
    }
    pos += static_cast<int64_t>(compressed);
    if (page_type == 2) {
      if (!SplitPlain(type, body, static_cast<size_t>(header[7][1].i), &dictionary)) return fail("bad dictionary");
      continue;
    }
    const size_t levels = static_cast<size_t>(header[5][1].i);
    const int encoding = static_cast<int>(header[5][2].i);
    out.data_encodings.push_back(encoding);
    std::string_view rest(body);
    std::vector<uint32_t> defs(levels, 1);
    if (optional) {
      if (rest.size() < 4) return fail("no level length");
      uint32_t len = 0;
      for (int i = 0; i < 4; ++i) len |= static_cast<uint32_t>(static_cast<uint8_t>(rest[i])) << (8 * i);
      if (len > rest.size() - 4) return fail("levels past the page");
      auto decoded = DecodeRle(rest.substr(4, len), 1, levels);
      if (!decoded) return fail("levels do not decode");
      defs = *decoded;
      rest.remove_prefix(4 + len);
    }
    size_t present = 0;
    for (uint32_t d : defs) present += d;
    std::vector<std::string> values;
    if (encoding == 0) {
      if (!SplitPlain(type, rest, present, &values)) return fail("PLAIN values do not fill the page exactly");
    } else if (encoding == 8) {
      if (rest.empty()) return fail("no bit width");
      auto indices = DecodeRle(rest.substr(1), static_cast<uint8_t>(rest[0]), present);
      if (!indices) return fail("indices do not decode");
      for (uint32_t index : *indices) {
        if (index >= dictionary.size()) return fail("index past the dictionary");
        values.push_back(dictionary[index]);
      }
    } else {
      return fail("unexpected encoding");
    }
    size_t next = 0;
    for (uint32_t d : defs) out.values.push_back(d ? std::optional<std::string>(values[next++]) : std::nullopt);
  }
  if (static_cast<int64_t>(out.values.size()) != num_values) return fail("num_values differs from the pages");
  return out;
}

template <typename T>
T PlainAs(const std::string& bytes) {
  T value{};
  std::memcpy(&value, bytes.data(), sizeof(T));
  return value;
}

}  // namespace urlsweep::parquet_test
