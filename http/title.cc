#include "http/title.h"

#include <cstdint>
#include <cstring>

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

// Decodes the text between '&' and ';'; false for anything we do not decode.
bool DecodeEntity(std::string_view e, uint32_t* cp) {
  if (e == "amp") *cp = '&';
  else if (e == "lt") *cp = '<';
  else if (e == "gt") *cp = '>';
  else if (e == "quot") *cp = '"';
  else if (e == "apos") *cp = '\'';
  // A title is one line of text; a non-breaking space there is just a space.
  else if (e == "nbsp") *cp = ' ';
  else if (e.size() >= 2 && e[0] == '#') {
    bool hex = e[1] == 'x' || e[1] == 'X';
    std::string_view digits = e.substr(hex ? 2 : 1);
    if (digits.empty()) return false;
    uint32_t v = 0;
    for (char c : digits) {
      int d;
      if (absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        d = c - '0';
      } else if (hex && absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
        d = absl::ascii_tolower(static_cast<unsigned char>(c)) - 'a' + 10;
      } else {
        return false;
      }
      // kMaxEntityBytes keeps this below 2^28, so it cannot overflow.
      v = v * (hex ? 16 : 10) + static_cast<uint32_t>(d);
    }
    // NUL, surrogates and values past Unicode are not characters (WHATWG HTML, numeric character
    // reference end state).
    if (v == 0 || (v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) v = kReplacement;
    *cp = v;
  } else {
    return false;
  }
  return true;
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
  phase_ = Phase::kSearch;
  found_ = false;
  match_ = 0;
  in_entity_ = false;
  entity_len_ = 0;
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
        } else if (absl::ascii_tolower(c) == kOpen[match_]) {
          if (++match_ == kOpen.size()) phase_ = Phase::kAfterName;
        } else {
          // "<title" repeats no prefix of itself but '<', so a mismatch restarts at this byte.
          match_ = c == '<' ? 1 : 0;
        }
        ++p;
        break;
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
  if (in_entity_) {
    if (c == ';') {
      EndEntity(true);
      return;
    }
    if (entity_len_ < kMaxEntityBytes && (absl::ascii_isalnum(c) || (c == '#' && entity_len_ == 0))) {
      entity_[entity_len_++] = static_cast<char>(c);
      return;
    }
    EndEntity(false);
    if (phase_ == Phase::kText) TextByte(c);
    return;
  }
  if (c == '<') {
    FlushPartialUtf8();
    close_raw_[0] = '<';
    match_ = 1;
    return;
  }
  if (c == '&') {
    FlushPartialUtf8();
    in_entity_ = true;
    entity_len_ = 0;
    return;
  }
  LiteralByte(c);
}

void TitleScanner::EndEntity(bool terminated) {
  in_entity_ = false;
  uint32_t cp;
  if (terminated && DecodeEntity(std::string_view(entity_, entity_len_), &cp)) {
    EmitCodePoint(cp);
    return;
  }
  // Not an entity we decode: it stays as written.
  LiteralByte('&');
  for (size_t i = 0; i < entity_len_ && phase_ == Phase::kText; ++i) {
    LiteralByte(static_cast<unsigned char>(entity_[i]));
  }
  if (terminated && phase_ == Phase::kText) LiteralByte(';');
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
