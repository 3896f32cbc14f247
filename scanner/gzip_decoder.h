// GzipDecoder: gzip (RFC 1952) decompression driven by the caller's reads, so that no zlib call ever
// reads a descriptor itself: the input reader waits for a pipe with poll(2) and a stop can wake it.
// It decodes as zlib's gzread does: members concatenated one after another are one stream, and bytes
// after a member that do not start another one are trailing garbage, ignored.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "absl/status/statusor.h"

namespace urlsweep {

class GzipDecoder {
 public:
  // The two bytes every gzip member starts with (RFC 1952 section 2.3.1, ID1 ID2).
  static bool StartsMember(std::string_view bytes) {
    return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
           static_cast<unsigned char>(bytes[1]) == 0x8b;
  }

  GzipDecoder();
  ~GzipDecoder();
  GzipDecoder(const GzipDecoder&) = delete;
  GzipDecoder& operator=(const GzipDecoder&) = delete;

  // Starts a new stream (the next input file).
  void Reset();

  // Decompresses from the front of *in into out[0, capacity), advancing *in past what it consumed.
  // Returns the bytes produced; 0 means either ended() or that it needs more input than *in holds (all
  // of it consumed, or the one byte after a member that cannot tell yet whether another follows).
  // `input_ended`: nothing follows *in. Errors are zlib's words, as gzread gives them: "invalid block
  // type", "incorrect data check", "unexpected end of file" for a member cut short.
  absl::StatusOr<size_t> Decode(std::string_view* in, char* out, size_t capacity, bool input_ended);

  // The stream is over: its last member ended and no other starts after it.
  bool ended() const { return ended_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  bool ended_ = false;
  bool between_members_ = false;  // a member ended; the next bytes say whether another starts
};

}  // namespace urlsweep
