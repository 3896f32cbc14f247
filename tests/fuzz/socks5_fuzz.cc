// Fuzzes Socks5Reader: any bytes as any of the three answers, fed whole and in pieces, must give the same
// state, value and byte count, and never consume past the answer's end. Input: byte 0 = which answer
// (mod 3), byte 1 = piece size for the split run (0 = 1-byte pieces), then the answer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/socks5.h"

namespace urlsweep {
namespace {

struct Outcome {
  Socks5Reader::State state;
  size_t consumed;
  uint8_t value;
  bool operator==(const Outcome&) const = default;
};

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

Outcome Run(Socks5Reader::Message m, std::string_view in, size_t piece) {
  Socks5Reader r;
  r.Expect(m);
  Outcome o{Socks5Reader::State::kNeedMore, 0, 0};
  size_t pos = 0;
  do {
    size_t n = std::min(piece, in.size() - pos);
    size_t used = 0;
    Socks5Reader::State before = o.state;
    o.state = r.Feed(in.data() + pos, n, &used);
    Check(used <= n);
    if (before != Socks5Reader::State::kNeedMore) Check(o.state == before && used == 0);
    if (o.state == Socks5Reader::State::kNeedMore) Check(used == n);
    o.consumed += used;
    pos += n;
  } while (pos < in.size());
  o.value = r.value();
  // The longest answer: a CONNECT reply with a 255-byte bound name.
  Check(o.consumed <= 4 + 1 + 255 + 2);
  return o;
}

}  // namespace
}  // namespace urlsweep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using urlsweep::Socks5Reader;
  if (size < 2) return 0;
  const auto m = static_cast<Socks5Reader::Message>(data[0] % 3);
  const size_t piece = data[1] == 0 ? 1 : data[1];
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  urlsweep::Outcome whole = urlsweep::Run(m, in, in.empty() ? 1 : in.size());
  urlsweep::Outcome split = urlsweep::Run(m, in, piece);
  urlsweep::Check(whole == split);
  return 0;
}
