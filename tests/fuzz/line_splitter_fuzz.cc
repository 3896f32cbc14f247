// libFuzzer target for LineSplitter (scanner/line_splitter.h): whatever bytes an input file holds, and
// however reads cut them, the lines kept are those the input rules (docs/resume-and-shards.md#input)
// give, numbered across inputs, trimmed, capped. The expected lines come from a model written here from
// those rules, not from line_splitter.cc, so the two do not share mistakes.
//
// Input: byte 0 = piece size for the split run (0 = one byte per Feed), byte 1 = where the body is cut
// into two input files (0 = one file; else at byte1 * size / 256), then the body. In the body, 0xFF is an
// escape so that short inputs reach the 8192-byte and 64 KiB limits: 0xFF 0x00 is one 0xFF byte, and
// 0xFF N B (N > 0) is byte B repeated N * kRunUnit times.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "scanner/line_splitter.h"

namespace urlsweep {
namespace {

// One escape run reaches past kMaxKeptLineBytes (255 * 512 > 64 KiB), so a short input can hit every
// limit.
constexpr size_t kRunUnit = 512;
// Bound on the expanded body: room for one line over kMaxKeptLineBytes and a few lines after it, and no
// more, since a body fed one byte at a time costs a Feed call per byte.
constexpr size_t kMaxExpandedBytes = kMaxKeptLineBytes + 8 * 1024;
constexpr unsigned char kEscape = 0xFF;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "line_splitter_fuzz: %s\n", what);
    abort();
  }
}

struct Line {
  int64_t line;
  std::string text;
  bool too_long;
  bool truncated;
  bool operator==(const Line&) const = default;
};

std::string Expand(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size() && out.size() < kMaxExpandedBytes; ++i) {
    const auto c = static_cast<unsigned char>(body[i]);
    if (c != kEscape || i + 1 >= body.size()) {
      out.push_back(body[i]);
      continue;
    }
    const auto count = static_cast<unsigned char>(body[i + 1]);
    if (count == 0 || i + 2 >= body.size()) {
      out.push_back(static_cast<char>(kEscape));
      i += 1;
      continue;
    }
    out.append(std::min(count * kRunUnit, kMaxExpandedBytes - out.size()), body[i + 2]);
    i += 2;
  }
  return out;
}

// The input rules' "surrounding white space" (what editors leave around a URL, a trailing \r included).
bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// The lines the input rules keep from `inputs`: a UTF-8 byte-order mark at the start of a file is not text;
// a final newline does not start a line; every physical line is numbered, across files; trimmed blank
// and '#' lines are skipped. A line whose trimmed text is over kMaxKeptLineBytes keeps the first
// kMaxKeptLineBytes bytes after its leading white space.
std::vector<Line> Model(const std::vector<std::string_view>& inputs, int64_t* lines_seen) {
  std::vector<Line> lines;
  int64_t number = 0;
  for (std::string_view input : inputs) {
    if (input.substr(0, 3) == "\xEF\xBB\xBF") input.remove_prefix(3);
    while (!input.empty()) {
      const size_t end = input.find('\n');
      std::string_view physical = input.substr(0, end);
      input.remove_prefix(end == std::string_view::npos ? input.size() : end + 1);
      ++number;
      while (!physical.empty() && IsBlank(physical.front())) physical.remove_prefix(1);
      std::string_view trimmed = physical;
      while (!trimmed.empty() && IsBlank(trimmed.back())) trimmed.remove_suffix(1);
      if (trimmed.empty() || trimmed.front() == '#') continue;
      const bool truncated = trimmed.size() > kMaxKeptLineBytes;
      lines.push_back({number, std::string(truncated ? physical.substr(0, kMaxKeptLineBytes) : trimmed),
                       trimmed.size() > kMaxLineBytes, truncated});
    }
  }
  *lines_seen = number;
  return lines;
}

// Feeds each input in pieces of `piece` bytes (all at once when `piece` is 0), reusing one InputLine as
// the reader does, so a string swapped back in with old contents shows up as a wrong line.
std::vector<Line> Split(const std::vector<std::string_view>& inputs, size_t piece, int64_t* lines_seen) {
  LineSplitter splitter;
  InputLine out;
  std::vector<Line> lines;
  const auto keep = [&] { lines.push_back({out.line, out.text, out.too_long, out.truncated}); };
  for (std::string_view input : inputs) {
    while (!input.empty()) {
      const size_t take = piece == 0 ? input.size() : std::min(piece, input.size());
      std::string_view chunk = input.substr(0, take);
      input.remove_prefix(take);
      while (splitter.Feed(&chunk, &out)) keep();
      Check(chunk.empty(), "Feed returned false with bytes left in the chunk");
    }
    if (splitter.EndInput(&out)) keep();
  }
  *lines_seen = splitter.lines_seen();
  return lines;
}

}  // namespace
}  // namespace urlsweep

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace urlsweep;
  if (size < 2) return 0;
  const size_t piece = data[0] == 0 ? 1 : data[0];
  const std::string body =
      Expand(std::string_view(reinterpret_cast<const char*>(data) + 2, size - 2));
  std::vector<std::string_view> inputs;
  if (data[1] == 0) {
    inputs.push_back(body);
  } else {
    const size_t cut = data[1] * body.size() / 256;
    inputs.push_back(std::string_view(body).substr(0, cut));
    inputs.push_back(std::string_view(body).substr(cut));
  }

  int64_t model_seen = 0;
  const std::vector<Line> expected = Model(inputs, &model_seen);
  int64_t whole_seen = -1;
  const std::vector<Line> whole = Split(inputs, 0, &whole_seen);
  Check(whole == expected, "lines differ from the contract's rules");
  Check(whole_seen == model_seen, "lines_seen differs from the physical lines");
  int64_t split_seen = -1;
  Check(Split(inputs, piece, &split_seen) == expected, "lines depend on how reads cut the input");
  Check(split_seen == model_seen, "lines_seen depends on how reads cut the input");
  return 0;
}
