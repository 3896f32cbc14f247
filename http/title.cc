#include "http/title.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>

#include "absl/strings/ascii.h"

namespace urlsweep {
namespace {

constexpr std::string_view kOpen = "<title";
constexpr std::string_view kClose = "</title";

// HTML's ASCII white space (WHATWG HTML, "ASCII whitespace").
bool IsHtmlSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// What may follow a tag name: white space, '/' or '>' (WHATWG HTML tokenizer, "tag name state").
bool EndsTagName(unsigned char c) { return IsHtmlSpace(c) || c == '/' || c == '>'; }

constexpr uint32_t kReplacement = 0xFFFD;
// Past this a numeric reference is U+FFFD however many more digits follow.
constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// The WHATWG HTML named character references, sorted bytewise by name (tools/gen_html_entities.py).
struct NamedReference {
  std::string_view name;  // without '&'; with ';' where the standard writes it
  uint32_t first;
  uint32_t second;  // 0: one code point
};
constexpr NamedReference kNamedReferences[] = {
#include "http/html_entities.inc"
};
static_assert(std::size(kNamedReferences) == 2231, "the standard's table has 2,231 names");

constexpr size_t LongestNameWithoutSemicolon() {
  size_t longest = 0;
  for (const NamedReference& entry : kNamedReferences) {
    longest = std::max(longest, entry.name.size() - (entry.name.back() == ';' ? 1 : 0));
  }
  return longest;
}

const NamedReference* FindNamed(std::string_view name) {
  const NamedReference* end = std::end(kNamedReferences);
  const NamedReference* it = std::lower_bound(
      std::begin(kNamedReferences), end, name,
      [](const NamedReference& entry, std::string_view key) { return entry.name < key; });
  return it != end && it->name == name ? it : nullptr;
}

// WHATWG HTML, numeric character reference end state: what 0x80-0x9F stand for (windows-1252), 0 where
// the code point stays as it is.
constexpr uint16_t kC1Replacements[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

uint32_t NumericReferenceValue(uint32_t v) {
  if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > kMaxCodePoint) return kReplacement;
  if (v >= 0x80 && v <= 0x9F && kC1Replacements[v - 0x80] != 0) return kC1Replacements[v - 0x80];
  return v;
}

int HexValue(unsigned char c) {
  if (absl::ascii_isdigit(c)) return c - '0';
  if (absl::ascii_isxdigit(c)) return absl::ascii_tolower(c) - 'a' + 10;
  return -1;
}

// Bytes of the UTF-8 character a lead byte starts (RFC 3629 section 4); 0 for a byte that cannot lead.
size_t Utf8Length(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

// Whether `c` may follow `lead` as its first continuation byte (RFC 3629 section 4 excludes overlong
// forms, surrogates and values past U+10FFFF here).
bool ValidSecond(unsigned char lead, unsigned char c) {
  switch (lead) {
    case 0xE0: return c >= 0xA0 && c <= 0xBF;
    case 0xED: return c >= 0x80 && c <= 0x9F;
    case 0xF0: return c >= 0x90 && c <= 0xBF;
    case 0xF4: return c >= 0x80 && c <= 0x8F;
    default: return c >= 0x80 && c <= 0xBF;
  }
}

}  // namespace

void TitleScanner::Reset() {
  static_assert(LongestNameWithoutSemicolon() == kMaxNameBytes);
  phase_ = Phase::kSearch;
  found_ = false;
  match_ = 0;
  comment_ = Comment::kStart;
  ref_ = Ref::kNone;
  ref_value_ = 0;
  name_len_ = 0;
  utf8_len_ = 0;
  utf8_need_ = 0;
  pending_space_ = false;
  title_.clear();
}

void TitleScanner::Feed(std::string_view body_bytes) {
  const char* p = body_bytes.data();
  const char* end = p + body_bytes.size();
  while (p < end && phase_ != Phase::kDone) {
    unsigned char c = static_cast<unsigned char>(*p);
    switch (phase_) {
      case Phase::kSearch:
        if (match_ == 0) {
          // Most of a page is not a tag: jump to the next '<'.
          const void* lt = std::memchr(p, '<', static_cast<size_t>(end - p));
          if (lt == nullptr) return;
          p = static_cast<const char*>(lt);
          match_ = 1;
        } else if (match_ == 1 && c == '!') {
          phase_ = Phase::kMarkup;
          match_ = 0;
        } else if (match_ == 1 && c == '?') {
          phase_ = Phase::kBogus;  // "<?xml ...>": a bogus comment
          match_ = 0;
        } else if (absl::ascii_tolower(c) == kOpen[match_]) {
          if (++match_ == kOpen.size()) phase_ = Phase::kAfterName;
        } else {
          // "<title" repeats no prefix of itself but '<', so a mismatch restarts at this byte.
          match_ = c == '<' ? 1 : 0;
        }
        ++p;
        break;
      case Phase::kMarkup:
        // "<!--" starts a comment; anything else after "<!" (a DOCTYPE, "[CDATA[" outside foreign
        // content, "<!x") is a bogus comment that ends at the next '>'.
        if (c == '-' && match_ == 0) {
          match_ = 1;
          ++p;
        } else if (c == '-') {
          phase_ = Phase::kComment;
          comment_ = Comment::kStart;
          match_ = 0;
          ++p;
        } else {
          phase_ = Phase::kBogus;
          match_ = 0;
        }
        break;
      case Phase::kComment:
        if (comment_ == Comment::kBody) {
          // Most of a comment is text: jump to the next '-'.
          const void* dash = std::memchr(p, '-', static_cast<size_t>(end - p));
          if (dash == nullptr) return;
          p = static_cast<const char*>(dash);
          c = '-';
        }
        CommentByte(c);
        ++p;
        break;
      case Phase::kBogus: {
        const void* gt = std::memchr(p, '>', static_cast<size_t>(end - p));
        if (gt == nullptr) return;
        p = static_cast<const char*>(gt) + 1;
        phase_ = Phase::kSearch;
        break;
      }
      case Phase::kAfterName:
        if (EndsTagName(c)) {
          found_ = true;
          match_ = 0;
          phase_ = c == '>' ? Phase::kText : Phase::kInTag;
          ++p;
        } else {
          // "<titlex": another tag. Look at this byte again as the search goes on.
          match_ = 0;
          phase_ = Phase::kSearch;
        }
        break;
      case Phase::kInTag:
        if (c == '>') phase_ = Phase::kText;
        ++p;
        break;
      case Phase::kText:
        TextByte(c);
        ++p;
        break;
      case Phase::kDone:
        break;
    }
  }
}

// One byte of a comment. A byte that leaves a dash state without ending the comment is comment text, and
// as text it could only matter if it were '-', which each state below handles itself.
void TitleScanner::CommentByte(unsigned char c) {
  switch (comment_) {
    case Comment::kStart:  // right after "<!--"
      if (c == '-') {
        comment_ = Comment::kStartDash;
      } else if (c == '>') {
        EndComment();  // "<!-->"
      } else {
        comment_ = Comment::kBody;
      }
      break;
    case Comment::kStartDash:
      if (c == '-') {
        comment_ = Comment::kEnd;
      } else if (c == '>') {
        EndComment();  // "<!--->"
      } else {
        comment_ = Comment::kBody;
      }
      break;
    case Comment::kBody:
      if (c == '-') comment_ = Comment::kEndDash;
      break;
    case Comment::kEndDash:
      comment_ = c == '-' ? Comment::kEnd : Comment::kBody;
      break;
    case Comment::kEnd:  // after "--"
      if (c == '>') {
        EndComment();
      } else if (c == '!') {
        comment_ = Comment::kEndBang;
      } else if (c != '-') {
        comment_ = Comment::kBody;
      }
      break;
    case Comment::kEndBang:  // after "--!"
      if (c == '>') {
        EndComment();
      } else {
        comment_ = c == '-' ? Comment::kEndDash : Comment::kBody;
      }
      break;
  }
}

void TitleScanner::EndComment() {
  phase_ = Phase::kSearch;
  match_ = 0;
}

// Title text is RCDATA (WHATWG HTML): only "</title" and character references are markup.
void TitleScanner::TextByte(unsigned char c) {
  if (match_ > 0) {
    if (match_ < kClose.size()) {
      if (absl::ascii_tolower(c) == kClose[match_]) {
        close_raw_[match_++] = static_cast<char>(c);
        return;
      }
    } else if (EndsTagName(c)) {
      phase_ = Phase::kDone;
      return;
    }
    // Not the end tag after all: what was held back is text, and this byte is looked at afresh.
    size_t held = match_;
    match_ = 0;
    for (size_t i = 0; i < held && phase_ == Phase::kText; ++i) {
      LiteralByte(static_cast<unsigned char>(close_raw_[i]));
    }
    if (phase_ == Phase::kText) TextByte(c);
    return;
  }
  switch (ref_) {
    case Ref::kNone:
      break;
    case Ref::kAmpersand:
      if (c == '#') {
        ref_ = Ref::kNumber;
        return;
      }
      if (absl::ascii_isalnum(c)) {
        ref_ = Ref::kNamed;
        name_[0] = static_cast<char>(c);
        name_len_ = 1;
        return;
      }
      break;
    case Ref::kNumber:
      if (c == 'x' || c == 'X') {
        ref_ = Ref::kHexStart;
        ref_x_ = static_cast<char>(c);
        return;
      }
      if (absl::ascii_isdigit(c)) {
        ref_ = Ref::kDecimal;
        ref_value_ = static_cast<uint32_t>(c - '0');
        return;
      }
      break;
    case Ref::kHexStart:
      if (HexValue(c) >= 0) {
        ref_ = Ref::kHex;
        ref_value_ = static_cast<uint32_t>(HexValue(c));
        return;
      }
      break;
    case Ref::kDecimal:
    case Ref::kHex: {
      const int digit = ref_ == Ref::kHex ? HexValue(c) : (absl::ascii_isdigit(c) ? c - '0' : -1);
      if (digit >= 0) {
        const uint32_t base = ref_ == Ref::kHex ? 16 : 10;
        // Saturates: any number past U+10FFFF is U+FFFD, however long.
        ref_value_ = std::min<uint32_t>(ref_value_ * base + static_cast<uint32_t>(digit), kMaxCodePoint + 1);
        return;
      }
      break;
    }
    case Ref::kNamed:
      if (absl::ascii_isalnum(c) && name_len_ < kMaxNameBytes) {
        name_[name_len_++] = static_cast<char>(c);
        return;
      }
      break;
  }
  if (ref_ != Ref::kNone) {
    if (EndReference(c) || phase_ != Phase::kText) return;
  }
  if (c == '<') {
    FlushPartialUtf8();
    close_raw_[0] = '<';
    match_ = 1;
    return;
  }
  if (c == '&') {
    FlushPartialUtf8();
    ref_ = Ref::kAmpersand;
    return;
  }
  LiteralByte(c);
}

bool TitleScanner::EndReference(unsigned char c) {
  const Ref ref = ref_;
  ref_ = Ref::kNone;
  switch (ref) {
    case Ref::kNone:
      return false;
    case Ref::kAmpersand:  // '&' not followed by a name or '#': text
      LiteralByte('&');
      return false;
    case Ref::kNumber:  // "&#" without digits: text
      LiteralByte('&');
      if (phase_ == Phase::kText) LiteralByte('#');
      return false;
    case Ref::kHexStart:
      LiteralByte('&');
      if (phase_ == Phase::kText) LiteralByte('#');
      if (phase_ == Phase::kText) LiteralByte(static_cast<unsigned char>(ref_x_));
      return false;
    case Ref::kDecimal:
    case Ref::kHex:
      // The ';' is optional (a parse error without it, decoded all the same).
      EmitCodePoint(NumericReferenceValue(ref_value_));
      return c == ';';
    case Ref::kNamed:
      return EndNamedReference(c == ';');
  }
  return false;
}

// WHATWG HTML, named character reference state, in text: the longest name of the table that the input
// spells. A name ending in ';' matches only with its ';'; a legacy name (listed without ';') matches
// as a prefix of a longer run ("&amplifier" is "&lifier"). What follows the match is text. Returns
// whether the reference took the ';' that ended the name.
bool TitleScanner::EndNamedReference(bool semicolon) {
  const size_t len = name_len_;
  name_len_ = 0;
  if (semicolon) {
    char with[kMaxNameBytes + 1];
    std::memcpy(with, name_, len);
    with[len] = ';';
    if (const NamedReference* found = FindNamed(std::string_view(with, len + 1))) {
      // A title is one line of text; a non-breaking space there is just a space.
      EmitCodePoint(found->first == 0xA0 ? ' ' : found->first);
      if (found->second != 0 && phase_ == Phase::kText) EmitCodePoint(found->second);
      return true;
    }
  }
  size_t used = 0;
  for (size_t n = len; n > 0 && used == 0; --n) {
    const NamedReference* found = FindNamed(std::string_view(name_, n));
    if (found == nullptr) continue;
    used = n;
    EmitCodePoint(found->first == 0xA0 ? ' ' : found->first);
    if (found->second != 0 && phase_ == Phase::kText) EmitCodePoint(found->second);
  }
  if (used == 0) LiteralByte('&');
  for (size_t i = used; i < len && phase_ == Phase::kText; ++i) {
    LiteralByte(static_cast<unsigned char>(name_[i]));
  }
  return false;
}

// Assembles UTF-8 characters so that only whole, valid ones reach the title.
void TitleScanner::LiteralByte(unsigned char c) {
  if (utf8_need_ > 0) {
    bool ok = utf8_len_ == 1 ? ValidSecond(utf8_[0], c) : (c >= 0x80 && c <= 0xBF);
    if (ok) {
      utf8_[utf8_len_++] = c;
      if (utf8_len_ == utf8_need_) {
        utf8_need_ = 0;
        EmitChar(reinterpret_cast<const char*>(utf8_), utf8_len_);
      }
      return;
    }
    FlushPartialUtf8();
    if (phase_ != Phase::kText) return;
  }
  size_t n = Utf8Length(c);
  if (n == 1) {
    if (c == 0) {
      EmitCodePoint(kReplacement);
    } else {
      char ch = static_cast<char>(c);
      EmitChar(&ch, 1);
    }
  } else if (n == 0) {
    EmitCodePoint(kReplacement);
  } else {
    utf8_[0] = c;
    utf8_len_ = 1;
    utf8_need_ = n;
  }
}

void TitleScanner::FlushPartialUtf8() {
  if (utf8_need_ == 0) return;
  utf8_need_ = 0;
  utf8_len_ = 0;
  EmitCodePoint(kReplacement);
}

void TitleScanner::EmitCodePoint(uint32_t cp) {
  char buf[4];
  size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  EmitChar(buf, n);
}

// Appends one whole character, collapsing white space; stops the scan when the cap is reached so the
// cut always falls between characters.
void TitleScanner::EmitChar(const char* bytes, size_t n) {
  if (n == 1 && IsHtmlSpace(static_cast<unsigned char>(bytes[0]))) {
    if (!title_.empty()) pending_space_ = true;
    return;
  }
  size_t need = n + (pending_space_ ? 1 : 0);
  if (title_.size() + need > kMaxTitleBytes) {
    phase_ = Phase::kDone;
    return;
  }
  if (pending_space_) {
    title_.push_back(' ');
    pending_space_ = false;
  }
  title_.append(bytes, n);
}

}  // namespace urlsweep
