#include "output/report/stream_decompressor.h"

#include <zlib.h>
#include <zstd.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// inflateInit2's windowBits: the largest window (15) with a gzip wrapper only (+16) (zlib.h).
constexpr int kGzipWindowBits = 15 + 16;

constexpr std::string_view kGzipMagic("\x1f\x8b", 2);
constexpr std::string_view kZstdMagic("\x28\xb5\x2f\xfd", 4);

}  // namespace

OutputCompression StreamDecompressor::Sniff(std::string_view head) {
  if (head.substr(0, kGzipMagic.size()) == kGzipMagic) return OutputCompression::kGzip;
  if (head.substr(0, kZstdMagic.size()) == kZstdMagic) return OutputCompression::kZstd;
  return OutputCompression::kNone;
}

StreamDecompressor::StreamDecompressor(OutputCompression compression, std::string name)
    : compression_(compression), name_(std::move(name)) {
  if (compression_ == OutputCompression::kGzip) {
    gzip_ = std::make_unique<z_stream>();
    if (inflateInit2(gzip_.get(), kGzipWindowBits) != Z_OK) gzip_.reset();
  } else {
    zstd_ = ZSTD_createDCtx();
  }
}

StreamDecompressor::~StreamDecompressor() {
  if (gzip_ != nullptr) inflateEnd(gzip_.get());
  ZSTD_freeDCtx(zstd_);  // accepts nullptr
}

absl::StatusOr<size_t> StreamDecompressor::Decompress(std::string_view* in, char* out, size_t size) {
  if (gzip_ == nullptr && zstd_ == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("reading ", name_, ": cannot start the decompressor"));
  }
  return compression_ == OutputCompression::kGzip ? Gunzip(in, out, size) : Unzstd(in, out, size);
}

// Both decoders may hold decoded bytes that did not fit into `out`: they are called again, with or
// without new input, until they fill `out` or make no progress.
absl::StatusOr<size_t> StreamDecompressor::Gunzip(std::string_view* in, char* out, size_t size) {
  z_stream& z = *gzip_;
  size_t produced = 0;
  while (produced < size) {
    // zlib's next_in is not const without ZLIB_CONST; inflate never writes through it.
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in->data()));
    z.avail_in = static_cast<uInt>(in->size());
    z.next_out = reinterpret_cast<Bytef*>(out + produced);
    z.avail_out = static_cast<uInt>(size - produced);
    const int rc = inflate(&z, Z_NO_FLUSH);
    const size_t used = in->size() - z.avail_in;
    const size_t made = (size - z.avail_out) - produced;
    in->remove_prefix(used);
    produced += made;
    if (rc == Z_STREAM_END) {
      // One member done; the next one (a later flush of the scan) starts with its own header.
      at_boundary_ = true;
      inflateReset(&z);
      if (in->empty()) break;
      continue;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return absl::InvalidArgumentError(absl::StrCat("reading ", name_, ": not a valid gzip stream (",
                                                     z.msg != nullptr ? z.msg : "zlib error", ")"));
    }
    if (used > 0 || made > 0) at_boundary_ = false;
    if (used == 0 && made == 0) break;  // more input needed
  }
  return produced;
}

absl::StatusOr<size_t> StreamDecompressor::Unzstd(std::string_view* in, char* out, size_t size) {
  ZSTD_inBuffer input{in->data(), in->size(), 0};
  ZSTD_outBuffer output{out, size, 0};
  while (output.pos < output.size) {
    const size_t in_before = input.pos;
    const size_t out_before = output.pos;
    const size_t rc = ZSTD_decompressStream(zstd_, &output, &input);
    if (ZSTD_isError(rc)) {
      return absl::InvalidArgumentError(
          absl::StrCat("reading ", name_, ": not a valid zstd stream (", ZSTD_getErrorName(rc), ")"));
    }
    if (input.pos == in_before && output.pos == out_before) break;  // more input needed
    // 0: a frame was completely decoded and flushed; the next bytes begin another frame.
    at_boundary_ = rc == 0;
  }
  in->remove_prefix(input.pos);
  return output.pos;
}

}  // namespace urlsweep
