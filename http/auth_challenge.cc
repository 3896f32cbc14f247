#include "http/auth_challenge.h"

#include <cstdint>

#include "http/token.h"

namespace urlsweep {
namespace {

// token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=" (RFC 9110 section 11.2)
bool IsToken68Char(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  size_t pos() const { return pos_; }
  void Seek(size_t pos) { pos_ = pos; }
  void SkipOws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  std::string_view Token() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsTchar(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // The whole token68 (with its trailing '='s), or empty when none starts here.
  std::string_view Token68() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsToken68Char(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    if (pos_ == start) return {};
    while (pos_ < s_.size() && s_[pos_] == '=') ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // quoted-string (RFC 9110 section 5.6.4), the cursor on its opening quote; false when unterminated or
  // holding a byte a quoted-string may not.
  bool QuotedString(std::string* out) {
    ++pos_;
    while (pos_ < s_.size()) {
      unsigned char c = static_cast<unsigned char>(s_[pos_++]);
      if (c == '"') return true;
      if (c == '\\') {
        if (pos_ >= s_.size()) return false;
        c = static_cast<unsigned char>(s_[pos_++]);
        if (c != '\t' && (c < 0x20 || c == 0x7f)) return false;
      } else if (c != '\t' && (c < 0x20 || c == 0x7f)) {
        return false;
      }
      out->push_back(static_cast<char>(c));
    }
    return false;
  }
  // After an element: optional white space, then the end or a comma.
  bool AtElementEnd() {
    SkipOws();
    return AtEnd() || Peek() == ',';
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

// auth-param = token BWS "=" BWS ( token / quoted-string ), the cursor on the name.
bool ParseParam(Cursor* in, AuthChallenge* challenge) {
  std::string_view name = in->Token();
  if (name.empty()) return false;
  in->SkipOws();
  if (in->AtEnd() || in->Peek() != '=') return false;
  in->Seek(in->pos() + 1);
  in->SkipOws();
  if (challenge->params.size() >= kMaxAuthParams) return false;
  AuthParam param;
  param.name = Lower(name);
  if (!in->AtEnd() && in->Peek() == '"') {
    if (!in->QuotedString(&param.value)) return false;
  } else {
    std::string_view value = in->Token();
    if (value.empty()) return false;
    param.value.assign(value);
  }
  challenge->params.push_back(std::move(param));
  return in->AtElementEnd();
}

}  // namespace

const std::string* AuthChallenge::Param(std::string_view name) const {
  for (const AuthParam& p : params) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

bool ParseAuthChallenges(std::string_view field_value, std::vector<AuthChallenge>* out) {
  Cursor in(field_value);
  // The challenge that auth-params after a comma belong to: only one parsed from this field value.
  AuthChallenge* current = nullptr;
  while (true) {
    in.SkipOws();
    if (in.AtEnd()) return true;
    if (in.Peek() == ',') {
      in.Seek(in.pos() + 1);
      continue;
    }
    size_t element_start = in.pos();
    std::string_view token = in.Token();
    if (token.empty()) return false;
    in.SkipOws();
    if (current != nullptr && current->token68.empty() && !in.AtEnd() && in.Peek() == '=') {
      // "name=value" after a comma: one more parameter of the current challenge.
      in.Seek(element_start);
      if (!ParseParam(&in, current)) return false;
      continue;
    }
    // A new challenge: auth-scheme [ 1*SP ( token68 / #auth-param ) ].
    if (out->size() >= kMaxChallenges) return false;
    out->emplace_back();
    current = &out->back();
    current->scheme = Lower(token);
    in.Seek(element_start + token.size());
    if (in.AtElementEnd()) continue;
    in.Seek(element_start + token.size());
    if (in.Peek() != ' ') return false;  // the scheme must be followed by SP (or end the element)
    in.SkipOws();
    size_t body_start = in.pos();
    std::string_view t68 = in.Token68();
    if (!t68.empty() && in.AtElementEnd()) {
      current->token68.assign(t68);
      continue;
    }
    in.Seek(body_start);
    if (!ParseParam(&in, current)) return false;
  }
}

}  // namespace urlsweep
