// Fuzzes ResponseParser: any bytes, any split, must give the same outcome as the whole input at once
// (every captured header value included) and keep every limit. Input: byte 0 = options (bit 0: HEAD,
// bit 1: EOF after the input), byte 1 = max_body selector, byte 2 = piece size for the split run
// (0 = 1-byte pieces), then the response.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/response_parser.h"

namespace urlsweep {
namespace {

struct Outcome {
  ResponseParser::State state;
  size_t consumed;
  int status;
  std::string reason;
  std::optional<std::string> location;
  std::optional<std::string> content_type;
  std::optional<std::string> server;
  std::optional<std::string> retry_after;
  std::optional<std::string> title;
  std::optional<int64_t> content_length;
  int64_t body_bytes;
  bool truncated;
  bool keep_alive;
  int error;
  bool operator==(const Outcome&) const = default;
};

std::optional<std::string> Str(std::optional<std::string_view> v) {
  if (!v) return std::nullopt;
  return std::string(*v);
}

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

Outcome Run(ResponseParser* p, std::string_view in, size_t piece, bool head, int64_t max_body, bool eof) {
  p->Reset(head, max_body);
  Outcome o{};
  o.state = ResponseParser::State::kNeedMore;
  size_t pos = 0;
  do {
    size_t n = std::min(piece, in.size() - pos);
    size_t used = 0;
    ResponseParser::State before = o.state;
    o.state = p->Feed(in.data() + pos, n, &used);
    Check(used <= n);
    if (before != ResponseParser::State::kNeedMore) Check(o.state == before && used == 0);
    if (o.state == ResponseParser::State::kNeedMore) Check(used == n);
    o.consumed += used;
    pos += n;
  } while (pos < in.size());
  if (o.state == ResponseParser::State::kNeedMore && eof) o.state = p->Finish();
  if (o.state == ResponseParser::State::kError) o.consumed = 0;
  o.status = p->status();
  o.reason = std::string(p->reason());
  o.location = Str(p->location());
  o.content_type = Str(p->content_type());
  o.server = Str(p->server());
  o.retry_after = Str(p->retry_after());
  o.title = Str(p->title());
  o.content_length = p->content_length();
  o.body_bytes = p->body_bytes();
  o.truncated = p->truncated();
  o.keep_alive = p->keep_alive();
  o.error = p->error();

  Check(o.body_bytes >= 0 && o.body_bytes <= max_body);
  Check(o.reason.size() <= kMaxReasonBytes);
  Check(!o.location || o.location->size() <= kMaxLocationBytes);
  for (const std::optional<std::string>* field : {&o.content_type, &o.server, &o.retry_after}) {
    Check(!*field || (*field)->size() <= kMaxFieldBytes);
  }
  Check(!o.title || o.title->size() <= kMaxTitleBytes);
  Check(p->bytes_received() == in.size() || in.empty());
  Check(!o.keep_alive || o.state == ResponseParser::State::kComplete);
  if (head) Check(o.body_bytes == 0);
  return o;
}

}  // namespace
}  // namespace urlsweep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using urlsweep::Run;
  if (size < 3) return 0;
  bool head = data[0] & 1;
  bool eof = data[0] & 2;
  static constexpr int64_t kMaxBodies[] = {0, 1, 7, 64, 1000, 65536};
  int64_t max_body = kMaxBodies[data[1] % (sizeof(kMaxBodies) / sizeof(kMaxBodies[0]))];
  size_t piece = data[2] == 0 ? 1 : data[2];
  std::string_view in(reinterpret_cast<const char*>(data) + 3, size - 3);

  static urlsweep::ResponseParser parser;  // reused, as a connection slot reuses it
  urlsweep::Outcome whole = Run(&parser, in, in.size() == 0 ? 1 : in.size(), head, max_body, eof);
  urlsweep::Outcome split = Run(&parser, in, piece, head, max_body, eof);
  urlsweep::Check(whole == split);
  return 0;
}
