#include "scanner/gzip_decoder.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

#include "absl/status/status.h"

namespace urlsweep {
namespace {

// inflateInit2's windowBits: the largest window (15) plus 16 for a gzip wrapper only, so that a zlib
// or raw deflate stream is refused as gzread refuses it.
constexpr int kGzipWindowBits = 15 + 16;

}  // namespace

struct GzipDecoder::State {
  z_stream stream{};
  bool initialised = false;
};

GzipDecoder::GzipDecoder() : state_(new State) {}

GzipDecoder::~GzipDecoder() {
  if (state_->initialised) inflateEnd(&state_->stream);
}

void GzipDecoder::Reset() {
  if (state_->initialised) inflateReset(&state_->stream);
  ended_ = false;
  between_members_ = false;
}

absl::StatusOr<size_t> GzipDecoder::Decode(std::string_view* in, char* out, size_t capacity, bool input_ended) {
  z_stream& z = state_->stream;
  if (!state_->initialised) {
    if (inflateInit2(&z, kGzipWindowBits) != Z_OK) return absl::ResourceExhaustedError("out of memory");
    state_->initialised = true;
  }
  size_t produced = 0;
  while (!ended_ && produced < capacity) {
    if (between_members_) {
      // gzread's rule: another member follows only if its two magic bytes do; anything else is
      // trailing garbage and ends the stream.
      if (in->size() < 2 && !input_ended) return produced;
      if (!StartsMember(*in)) {
        ended_ = true;
        in->remove_prefix(in->size());
        break;
      }
      inflateReset(&z);
      between_members_ = false;
    }
    if (in->empty()) {
      // A member cut short: what it decoded is handed out first, the error comes with the next call.
      if (input_ended && produced == 0) return absl::DataLossError("unexpected end of file");
      return produced;
    }
    // uInt is 32 bits: a larger span is taken in pieces.
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in->data()));
    z.avail_in = static_cast<uInt>(std::min<size_t>(in->size(), UINT_MAX));
    z.next_out = reinterpret_cast<Bytef*>(out + produced);
    z.avail_out = static_cast<uInt>(std::min<size_t>(capacity - produced, UINT_MAX));
    const uInt in_before = z.avail_in;
    const uInt out_before = z.avail_out;
    const int ret = inflate(&z, Z_NO_FLUSH);
    in->remove_prefix(in_before - z.avail_in);
    produced += out_before - z.avail_out;
    const bool progress = z.avail_in != in_before || z.avail_out != out_before;
    switch (ret) {
      case Z_OK:
      case Z_BUF_ERROR:  // no progress possible without more input
        if (!progress) {
          if (input_ended && produced == 0) return absl::DataLossError("unexpected end of file");
          return produced;
        }
        break;
      case Z_STREAM_END:
        between_members_ = true;
        break;
      case Z_DATA_ERROR:
        return absl::DataLossError(z.msg != nullptr ? z.msg : "compressed data error");
      case Z_MEM_ERROR:
        return absl::ResourceExhaustedError("out of memory");
      default:  // Z_NEED_DICT (a gzip member never asks for one), Z_STREAM_ERROR
        return absl::DataLossError("internal error: inflate stream corrupt");
    }
  }
  return produced;
}

}  // namespace urlsweep
