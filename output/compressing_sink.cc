#include "output/compressing_sink.h"

#include <zlib.h>
#include <zstd.h>

#include <utility>

#include "absl/strings/str_cat.h"

namespace urlsweep {
namespace {

// deflateInit2's windowBits: 15 (the largest window, 32 KiB) plus 16 asks zlib for a gzip header and
// trailer around the deflate data instead of zlib's own (zlib.h, deflateInit2).
constexpr int kGzipWindowBits = 15 + 16;
// deflateInit2's memLevel: zlib's default (zlib.h).
constexpr int kGzipMemLevel = 8;

}  // namespace

CompressingSink::CompressingSink(OutputCompression compression, OutputFile* file)
    : compression_(compression), file_(file) {
  chunk_.resize(kChunkBytes);
  if (compression_ == OutputCompression::kGzip) {
    gzip_ = std::make_unique<z_stream>();
    if (deflateInit2(gzip_.get(), kGzipLevel, Z_DEFLATED, kGzipWindowBits, kGzipMemLevel, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
      gzip_.reset();
      failure_ = absl::ResourceExhaustedError(absl::StrCat("writing ", file_->name(), ": cannot start gzip"));
    }
  } else {
    zstd_ = ZSTD_createCCtx();
    // The frame checksum lets `zstd -t` and every reader detect a damaged frame, as gzip's CRC-32 does.
    if (zstd_ == nullptr || ZSTD_isError(ZSTD_CCtx_setParameter(zstd_, ZSTD_c_compressionLevel, kZstdLevel)) ||
        ZSTD_isError(ZSTD_CCtx_setParameter(zstd_, ZSTD_c_checksumFlag, 1))) {
      failure_ = absl::ResourceExhaustedError(absl::StrCat("writing ", file_->name(), ": cannot start zstd"));
    }
  }
}

CompressingSink::~CompressingSink() {
  if (gzip_ != nullptr) deflateEnd(gzip_.get());
  ZSTD_freeCCtx(zstd_);  // accepts nullptr
}

absl::Status CompressingSink::Append(std::string_view bytes) {
  if (!failure_.ok()) return failure_;
  if (bytes.empty()) return absl::OkStatus();
  BeginMember();
  return Compress(bytes, /*end=*/false);
}

absl::Status CompressingSink::EndMember() {
  if (!failure_.ok()) return failure_;
  if (!in_member_) return absl::OkStatus();
  if (absl::Status status = Compress({}, /*end=*/true); !status.ok()) return status;
  in_member_ = false;
  boundary_ = file_->offset();
  return absl::OkStatus();
}

void CompressingSink::BeginMember() {
  if (in_member_) return;
  // The stream's start (offset 0, or where a resumed file was cut back to) is its first boundary.
  if (boundary_ < 0) boundary_ = flushed_boundary_ = file_->offset();
  in_member_ = true;
}

absl::Status CompressingSink::Flush() {
  if (absl::Status status = EndMember(); !status.ok()) return status;
  if (absl::Status status = file_->Flush(); !status.ok()) return Fail(status);
  if (boundary_ >= 0) flushed_boundary_ = boundary_;
  return absl::OkStatus();
}

absl::Status CompressingSink::Close() {
  absl::Status status = failure_;
  // An empty member: a file of zero bytes is not a valid .gz or .zst.
  if (status.ok() && file_->offset() == 0) BeginMember();
  if (status.ok()) status = EndMember();
  if (status.ok()) status = file_->Flush();
  if (!status.ok() && failure_.ok()) status = Fail(status);
  absl::Status closed = file_->Close(/*sync=*/true);
  return status.ok() ? closed : status;
}

absl::Status CompressingSink::Compress(std::string_view bytes, bool end) {
  absl::Status status = compression_ == OutputCompression::kGzip ? CompressGzip(bytes, end) : CompressZstd(bytes, end);
  return status.ok() ? status : Fail(std::move(status));
}

absl::Status CompressingSink::CompressGzip(std::string_view bytes, bool end) {
  z_stream& z = *gzip_;
  // zlib's next_in is not const in the zlib of Debian 12 (no ZLIB_CONST); it never writes through it.
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  const int flush = end ? Z_FINISH : Z_NO_FLUSH;
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(chunk_.data());
    z.avail_out = static_cast<uInt>(chunk_.size());
    const int rc = deflate(&z, flush);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return absl::InternalError(absl::StrCat("writing ", file_->name(), ": gzip failed (zlib error ", rc, ")"));
    }
    const size_t produced = chunk_.size() - z.avail_out;
    if (produced > 0) {
      if (absl::Status status = file_->Append(std::string_view(chunk_.data(), produced)); !status.ok()) return status;
    }
    if (end ? rc == Z_STREAM_END : (z.avail_in == 0 && z.avail_out != 0)) break;
  }
  // The member is complete: the next Append begins a new one with its own header.
  if (end && deflateReset(&z) != Z_OK) {
    return absl::InternalError(absl::StrCat("writing ", file_->name(), ": gzip failed to start a member"));
  }
  return absl::OkStatus();
}

absl::Status CompressingSink::CompressZstd(std::string_view bytes, bool end) {
  ZSTD_inBuffer in{bytes.data(), bytes.size(), 0};
  const ZSTD_EndDirective directive = end ? ZSTD_e_end : ZSTD_e_continue;
  for (;;) {
    ZSTD_outBuffer out{chunk_.data(), chunk_.size(), 0};
    // Returns what remains to flush (0: done with ZSTD_e_end); after ZSTD_e_end the next call begins a
    // new frame.
    const size_t remaining = ZSTD_compressStream2(zstd_, &out, &in, directive);
    if (ZSTD_isError(remaining)) {
      return absl::InternalError(
          absl::StrCat("writing ", file_->name(), ": zstd failed (", ZSTD_getErrorName(remaining), ")"));
    }
    if (out.pos > 0) {
      if (absl::Status status = file_->Append(std::string_view(chunk_.data(), out.pos)); !status.ok()) return status;
    }
    if (end ? remaining == 0 : in.pos == in.size) break;
  }
  return absl::OkStatus();
}

absl::Status CompressingSink::Fail(absl::Status status) {
  failure_ = status;
  // Best effort: a pipe cannot be cut. The last boundary may lie beyond what reached the file (the
  // write that failed carried it); then the file goes back to the last boundary that was flushed.
  const int64_t written = file_->written();
  const int64_t cut = boundary_ <= written ? boundary_ : flushed_boundary_;
  if (cut >= 0 && cut <= written) (void)file_->CutTo(cut);
  in_member_ = false;
  return status;
}

}  // namespace urlsweep
