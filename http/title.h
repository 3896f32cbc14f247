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
// the text up to `</title` (any case) followed by '>', white space or '/'. The text is cleaned for a
// single-line column: runs of HTML white space become one space, leading and trailing space is dropped,
// the entities &amp; &lt; &gt; &quot; &apos; &nbsp; (as a plain space) &#NN; and &#xNN; are decoded, and
// bytes that are not valid UTF-8 (or a NUL) become U+FFFD, so the column is always valid UTF-8. Longer
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
  enum class Phase { kSearch, kAfterName, kInTag, kText, kDone };

  // Longest entity body between '&' and ';' that we decode: "#x10FFFF".
  static constexpr size_t kMaxEntityBytes = 8;

  void TextByte(unsigned char c);
  void LiteralByte(unsigned char c);
  void FlushPartialUtf8();
  void EmitCodePoint(uint32_t cp);
  void EmitChar(const char* bytes, size_t n);
  void EndEntity(bool terminated);

  Phase phase_ = Phase::kSearch;
  bool found_ = false;
  size_t match_ = 0;  // bytes of "<title" (kSearch) or "</title" (kText) matched so far
  char close_raw_[8] = {};  // the bytes matched against "</title", emitted as text if it is not the tag
  bool in_entity_ = false;
  char entity_[kMaxEntityBytes] = {};
  size_t entity_len_ = 0;
  unsigned char utf8_[4] = {};  // a multi-byte UTF-8 character being assembled
  size_t utf8_len_ = 0;
  size_t utf8_need_ = 0;
  bool pending_space_ = false;
  std::string title_;
};

}  // namespace urlsweep
