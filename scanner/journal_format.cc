#include "scanner/journal_format.h"

#include <zlib.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/text.h"

namespace urlsweep {
namespace {

// The first line of a journal of the format before this one, which recorded neither inputs nor flags.
constexpr std::string_view kOldMagicPrefix = "urlsweep-journal 1 ";
// Any urlsweep journal starts so.
constexpr std::string_view kMagicPrefix = "urlsweep-journal ";
// " " and 8 hex digits end a record.
constexpr size_t kCrcTokenBytes = 9;
// Hex digits of a SHA-256 digest.
constexpr size_t kSha256HexBytes = 64;

constexpr char kHexDigits[] = "0123456789abcdef";


uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes a uInt length: feed large records in pieces.
  while (!bytes.empty()) {
    const size_t n = std::min<size_t>(bytes.size(), 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
    bytes.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

void AppendCrc(size_t record_start, std::string* out) {
  const uint32_t crc = Crc32(std::string_view(*out).substr(record_start));
  out->push_back(' ');
  for (int shift = 28; shift >= 0; shift -= 4) out->push_back(kHexDigits[(crc >> shift) & 15]);
  out->push_back('\n');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return HexValue(c) >= 0; });
}

bool DecodeHex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  out->clear();
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexValue(hex[i]);
    const int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

void AppendHex(std::string_view bytes, std::string* out) {
  for (unsigned char c : bytes) {
    out->push_back(kHexDigits[c >> 4]);
    out->push_back(kHexDigits[c & 15]);
  }
}

void AppendEncoded(std::string_view value, std::string* out) {
  for (unsigned char c : value) {
    if (c < '!' || c > '~' || c == '%') {
      out->push_back('%');
      out->push_back(kHexDigits[c >> 4]);
      out->push_back(kHexDigits[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

bool Decode(std::string_view token, std::string* out) {
  out->clear();
  for (size_t i = 0; i < token.size(); ++i) {
    const auto c = static_cast<unsigned char>(token[i]);
    if (c < '!' || c > '~') return false;
    if (c != '%') {
      out->push_back(static_cast<char>(c));
      continue;
    }
    if (i + 2 >= token.size()) return false;
    const int hi = HexValue(token[i + 1]);
    const int lo = HexValue(token[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

// A non-negative decimal number without sign or leading zeros: the form AppendCheckpoint writes.
bool ParseCount(std::string_view text, int64_t* out) {
  if (text.empty() || text.size() > 18 || (text.size() > 1 && text[0] == '0')) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  return absl::SimpleAtoi(ToAbsl(text), out);
}

bool ParseRanges(std::string_view text, LineSet* out) {
  while (!text.empty()) {
    const size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    if (comma != std::string_view::npos && text.empty()) return false;  // a trailing ','
    const size_t dash = item.find('-');
    int64_t first = 0;
    int64_t last = 0;
    if (!ParseCount(item.substr(0, dash), &first) || first < 1) return false;
    last = first;
    if (dash != std::string_view::npos && !ParseCount(item.substr(dash + 1), &last)) return false;
    if (last < first) return false;
    out->AddRange(first, last);
  }
  return true;
}

// Splits `line` at single spaces.
std::vector<std::string_view> Tokens(std::string_view line) {
  std::vector<std::string_view> tokens;
  while (true) {
    const size_t sp = line.find(' ');
    tokens.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) return tokens;
    line.remove_prefix(sp + 1);
  }
}

// Whether `tail`, after the last complete record, can be the start of a checkpoint record cut short.
bool IsTornCheckpoint(std::string_view tail) {
  while (!tail.empty() && tail.back() == '\0') tail.remove_suffix(1);
  if (tail.empty()) return true;
  const size_t nl = tail.find('\n');
  std::string_view l_line = tail.substr(0, nl);
  if (l_line[0] != 'L' || (l_line.size() > 1 && l_line[1] != ' ')) return false;
  const auto is_range_char = [](char c) { return (c >= '0' && c <= '9') || c == ',' || c == '-'; };
  if (l_line.size() > 2 && !std::all_of(l_line.begin() + 2, l_line.end(), is_range_char)) return false;
  if (nl == std::string_view::npos) return true;
  std::string_view c_line = tail.substr(nl + 1);
  if (c_line.empty()) return true;
  if (c_line[0] != 'C' || (c_line.size() > 1 && c_line[1] != ' ')) return false;
  return c_line.size() <= 2 || std::all_of(c_line.begin() + 2, c_line.end(), [](char c) {
           return HexValue(c) >= 0 || c == ' ' || c == '-';
         });
}

absl::Status Damaged(size_t at, std::string_view what) {
  return absl::DataLossError(absl::StrCat("it is damaged at byte ", at, " (", ToAbsl(what), ")"));
}

// Checks the CRC that ends `record` (whose last line, without its '\n', ends at the end of `record`).
bool CrcMatches(std::string_view record) {
  if (record.size() < kCrcTokenBytes || record[record.size() - kCrcTokenBytes] != ' ') return false;
  std::string_view hex = record.substr(record.size() - kCrcTokenBytes + 1);
  if (!IsHex(hex)) return false;
  uint32_t expected = 0;
  for (char c : hex) expected = expected * 16 + static_cast<uint32_t>(HexValue(c));
  return Crc32(record.substr(0, record.size() - kCrcTokenBytes)) == expected;
}

absl::Status ParseHeader(std::string_view text, ParsedJournal* out) {
  if (text.substr(0, kOldMagicPrefix.size()) == kOldMagicPrefix) {
    return absl::FailedPreconditionError(
        "it was written by an older urlsweep (journal format 1), which did not record the inputs and flags "
        "of its run");
  }
  const std::string first_line = absl::StrCat(kJournalMagic, "\n");
  if (text.substr(0, first_line.size()) != first_line) {
    if (first_line.substr(0, text.size()) == text) return Damaged(text.size(), "its header is incomplete");
    if (text.substr(0, kMagicPrefix.size()) == kMagicPrefix) {
      return absl::FailedPreconditionError("it was written by another version of urlsweep (another journal format)");
    }
    return absl::FailedPreconditionError("it is not an urlsweep journal");
  }
  size_t pos = first_line.size();
  bool have_salt = false;
  while (true) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return Damaged(text.size(), "its header is incomplete");
    const std::string_view line = text.substr(pos, nl - pos);
    const std::vector<std::string_view> t = Tokens(line);
    if (t[0] == "E" && t.size() == 2) {
      if (!have_salt || !CrcMatches(text.substr(0, nl))) return Damaged(pos, "the header's checksum does not match");
      out->committed_bytes = nl + 1;
      return absl::OkStatus();
    }
    std::string a;
    std::string b;
    if (t[0] == "S" && t.size() == 2 && !have_salt && IsHex(t[1]) && !t[1].empty()) {
      out->identity.salt = std::string(t[1]);
      have_salt = true;
    } else if (t[0] == "F" && t.size() == 3 && have_salt && out->identity.inputs.empty() && Decode(t[1], &a) &&
               !a.empty() && Decode(t[2], &b)) {
      out->identity.flags.push_back({a, b});
    } else if (t[0] == "I" && t.size() == 3 && have_salt && Decode(t[1], &a) && !a.empty()) {
      int64_t size = -1;
      if (t[2] != "-" && !ParseCount(t[2], &size)) return Damaged(pos, "a bad input size");
      out->identity.inputs.push_back({a, size});
    } else {
      return Damaged(pos, "unexpected text in the header");
    }
    pos = nl + 1;
  }
}

}  // namespace

std::string JournalHeader(const RunIdentity& identity) {
  std::string out = absl::StrCat(kJournalMagic, "\nS ", identity.salt, "\n");
  for (const IdentityFlag& flag : identity.flags) {
    out += "F ";
    AppendEncoded(flag.key, &out);
    out += ' ';
    AppendEncoded(flag.value, &out);
    out += '\n';
  }
  for (const InputIdentity& input : identity.inputs) {
    out += "I ";
    AppendEncoded(input.path, &out);
    out += input.size < 0 ? std::string(" -") : absl::StrCat(" ", input.size);
    out += '\n';
  }
  out += 'E';
  AppendCrc(0, &out);
  return out;
}

void AppendCheckpoint(const std::vector<int64_t>& lines, int64_t offset, int64_t input_bytes,
                      std::string_view input_sha256, std::string_view state, std::string* out) {
  const size_t start = out->size();
  out->append("L ");
  for (size_t i = 0; i < lines.size();) {
    size_t j = i;
    while (j + 1 < lines.size() && lines[j + 1] <= lines[j] + 1) ++j;
    if (i != 0) out->push_back(',');
    absl::StrAppend(out, lines[i]);
    if (lines[j] > lines[i]) absl::StrAppend(out, "-", lines[j]);
    i = j + 1;
  }
  absl::StrAppend(out, "\nC ", offset, " ", input_bytes, " ", ToAbsl(input_sha256), " ");
  if (state.empty()) {
    out->push_back('-');
  } else {
    AppendHex(state, out);
  }
  AppendCrc(start, out);
}

absl::StatusOr<ParsedJournal> ParseJournal(std::string_view text) {
  ParsedJournal out;
  if (absl::Status st = ParseHeader(text, &out); !st.ok()) return st;
  size_t pos = out.committed_bytes;
  while (pos < text.size()) {
    const size_t l_end = text.find('\n', pos);
    const size_t c_end = l_end == std::string_view::npos ? l_end : text.find('\n', l_end + 1);
    if (c_end == std::string_view::npos) {
      if (!IsTornCheckpoint(text.substr(pos))) return Damaged(pos, "unexpected text after the last checkpoint");
      break;
    }
    const std::string_view record = text.substr(pos, c_end - pos);
    if (record.substr(0, 2) != "L " || !CrcMatches(record)) {
      return Damaged(pos, "a checkpoint's checksum does not match");
    }
    const std::string_view c_line = text.substr(l_end + 1, c_end - l_end - 1 - kCrcTokenBytes);
    const std::vector<std::string_view> t = Tokens(c_line);
    int64_t offset = 0;
    int64_t input_bytes = 0;
    std::string state;
    if (t.size() != 5 || t[0] != "C" || !ParseCount(t[1], &offset) || !ParseCount(t[2], &input_bytes) ||
        t[3].size() != kSha256HexBytes || !IsHex(t[3]) || (t[4] != "-" && !DecodeHex(t[4], &state))) {
      return Damaged(pos, "a malformed checkpoint");
    }
    if (offset < out.offset || input_bytes < out.input_bytes) {
      return Damaged(pos, "a checkpoint goes back");
    }
    if (!ParseRanges(text.substr(pos + 2, l_end - pos - 2), &out.done)) return Damaged(pos, "bad line numbers");
    out.offset = offset;
    out.input_bytes = input_bytes;
    out.input_sha256 = std::string(t[3]);
    out.states.push_back(std::move(state));
    ++out.checkpoints;
    out.committed_bytes = c_end + 1;
    pos = c_end + 1;
  }
  out.done.Normalize();
  return out;
}

}  // namespace urlsweep
