#include "scanner/gzip_decoder.h"

#include <zlib.h>

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace urlsweep {
namespace {

// One gzip member holding `text`, as gzip(1) writes it.
std::string Gzip(const std::string& text) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

struct Decoded {
  std::string text;
  std::string error;  // empty when the stream decoded to its end
};

// Feeds `bytes` in pieces of `piece` bytes, with an output room of `room` bytes, as the input reader
// does: more input only when the decoder asks for it.
Decoded DecodeInPieces(std::string_view bytes, size_t piece, size_t room) {
  GzipDecoder decoder;
  Decoded result;
  std::string out(room, '\0');
  size_t fed = 0;
  std::string held;  // fed and not yet consumed
  for (int guard = 0; guard < 1000000; ++guard) {
    std::string_view in(held);
    const bool ended = fed == bytes.size();
    absl::StatusOr<size_t> n = decoder.Decode(&in, out.data(), room, ended);
    held.erase(0, held.size() - in.size());
    if (!n.ok()) {
      result.error = std::string(n.status().message());
      return result;
    }
    result.text.append(out.data(), *n);
    if (decoder.ended()) return result;
    if (*n > 0) continue;
    if (ended) {
      result.error = "no progress at the end";
      return result;
    }
    const size_t take = std::min(piece, bytes.size() - fed);
    held.append(bytes.substr(fed, take));
    fed += take;
  }
  result.error = "did not finish";
  return result;
}

TEST(GzipDecoderTest, OneMemberOnEverySplitAndRoom) {
  const std::string text = "http://a.example/\nhttp://b.example/\n# comment\n";
  const std::string gz = Gzip(text);
  for (size_t piece = 1; piece <= gz.size(); ++piece) {
    for (size_t room : {size_t{1}, size_t{7}, size_t{4096}}) {
      const Decoded d = DecodeInPieces(gz, piece, room);
      EXPECT_EQ(d.error, "") << piece << " " << room;
      EXPECT_EQ(d.text, text) << piece << " " << room;
    }
  }
}

TEST(GzipDecoderTest, ConcatenatedMembersAreOneStream) {
  const std::string gz = Gzip("http://1/\n") + Gzip("") + Gzip("http://2/\n");
  for (size_t piece = 1; piece <= gz.size(); ++piece) {
    const Decoded d = DecodeInPieces(gz, piece, 64);
    EXPECT_EQ(d.error, "") << piece;
    EXPECT_EQ(d.text, "http://1/\nhttp://2/\n") << piece;
  }
}

TEST(GzipDecoderTest, TrailingGarbageAfterAMemberIsIgnoredAsGzreadDoes) {
  for (const std::string garbage : {"x", "\x1f", "not gzip at all\n", "\x1f\x00 more"}) {
    const std::string gz = Gzip("http://1/\n") + std::string(garbage);
    for (size_t piece = 1; piece <= gz.size(); ++piece) {
      const Decoded d = DecodeInPieces(gz, piece, 64);
      EXPECT_EQ(d.error, "") << piece;
      EXPECT_EQ(d.text, "http://1/\n") << piece;
    }
  }
}

TEST(GzipDecoderTest, CutShortIsUnexpectedEndOfFileAfterTheBytesItHeld) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "http://host" + std::to_string(i) + "/\n";
  const std::string gz = Gzip(text);
  for (size_t cut : {size_t{1}, size_t{5}, size_t{10}, gz.size() / 2, gz.size() - 1}) {
    const Decoded d = DecodeInPieces(std::string_view(gz).substr(0, cut), 512, 4096);
    EXPECT_EQ(d.error, "unexpected end of file") << cut;
    EXPECT_EQ(text.compare(0, d.text.size(), d.text), 0) << cut;
  }
}

TEST(GzipDecoderTest, DamageIsZlibsWord) {
  // A valid header, then a deflate block of the reserved type 3.
  EXPECT_EQ(DecodeInPieces(std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xff\xff\xff\xff", 14), 3, 64).error,
            "invalid block type");
  std::string gz = Gzip("http://1/\n");
  gz[gz.size() - 6] ^= 1;  // the CRC-32 in the trailer
  EXPECT_EQ(DecodeInPieces(gz, 4, 64).error, "incorrect data check");
}

}  // namespace
}  // namespace urlsweep
