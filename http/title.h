// Incremental search for the first HTML <title> in a response body. Pure: it sees the body bytes in
// whatever pieces they arrive, keeps at most kMaxTitleBytes of text, and allocates nothing once warm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace urlsweep {

// A title is a label, not content: 1 KiB holds any real one (browsers show far less) and bounds the
// column for every writer.
inline constexpr size_t kMaxTitleBytes = 1024;

// Finds `<title` (any case) followed by '>', white space or '/', skips attributes up to '>', then keeps
// the text up to `</title` (any case) followed by '>', white space or '/'. As the WHATWG HTML tokenizer
// reads a page, a `<title` inside a comment (`<!-- ... -->`, also `<!-->`, `<!--->` and `--!>`) or a
// bogus comment or declaration (`<!...>`, `<?...>`, `<!DOCTYPE ...>`) is no tag. The text is cleaned for a
// single-line column: runs of HTML white space become one space, leading and trailing space is dropped,
// character references are decoded as HTML decodes them in text: every name of the standard's table
// (http/html_entities.inc, 2,231 names; the legacy ones such as `&amp` and `&eacute` also without ';',
// taking the longest that matches), with U+00A0 from a name (`&nbsp;`) as a plain space, and `&#NN;`,
// `&#xNN;` (';' optional; 0, surrogates and values past U+10FFFF as U+FFFD, 0x80-0x9F as windows-1252).
// Bytes that are not valid UTF-8 (or a NUL) become U+FFFD, so the column is always valid UTF-8. Longer
// text is cut at kMaxTitleBytes on a character boundary. Only the first title counts.
class TitleScanner {
 public:
  TitleScanner() { Reset(); }

  void Reset();
  // Any split of the body gives the same result.
  void Feed(std::string_view body_bytes);
  // Whether a <title ...> opening tag was seen.
  bool found() const { return found_; }
  // The text so far: complete once </title> was seen or the body ended. A few undecided trailing bytes
  // (a partial entity, "</tit", a partial UTF-8 sequence) are not included until the next byte decides.
  std::string_view title() const { return title_; }

 private:
  // kMarkup: after "<!"; kComment: inside "<!--"; kBogus: a bogus comment or declaration, up to '>'.
  enum class Phase { kSearch, kMarkup, kComment, kBogus, kAfterName, kInTag, kText, kDone };
  // Where a comment is (WHATWG HTML tokenizer: comment start, comment start dash, comment, comment end
  // dash, comment end, comment end bang states).
  enum class Comment { kStart, kStartDash, kBody, kEndDash, kEnd, kEndBang };
  // A character reference in the text: after '&', after "&#", after "&#x", in its digits, in its name.
  enum class Ref { kNone, kAmpersand, kNumber, kHexStart, kDecimal, kHex, kNamed };

  // Longest name of http/html_entities.inc without its ';' ("CounterClockwiseContourIntegral").
  static constexpr size_t kMaxNameBytes = 31;

  void CommentByte(unsigned char c);
  void EndComment();
  void TextByte(unsigned char c);
  // Ends the reference being read; `c` is the byte that ended it, consumed when it is the ';' of the
  // reference (returns true), else to be looked at afresh.
  bool EndReference(unsigned char c);
  bool EndNamedReference(bool semicolon);
  void LiteralByte(unsigned char c);
  void FlushPartialUtf8();
  void EmitCodePoint(uint32_t cp);
  void EmitChar(const char* bytes, size_t n);

  Phase phase_ = Phase::kSearch;
  Comment comment_ = Comment::kStart;
  bool found_ = false;
  size_t match_ = 0;  // bytes of "<title" (kSearch), "<!-" (kMarkup) or "</title" (kText) matched so far
  char close_raw_[8] = {};  // the bytes matched against "</title", emitted as text if it is not the tag
  Ref ref_ = Ref::kNone;
  char ref_x_ = 'x';       // the 'x' or 'X' of "&#x", for the text when no digit follows
  uint32_t ref_value_ = 0;  // the number so far, saturated above U+10FFFF
  char name_[kMaxNameBytes] = {};
  size_t name_len_ = 0;
  unsigned char utf8_[4] = {};  // a multi-byte UTF-8 character being assembled
  size_t utf8_len_ = 0;
  size_t utf8_need_ = 0;
  bool pending_space_ = false;
  std::string title_;
};

}  // namespace urlsweep
