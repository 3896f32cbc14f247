#include "core/flag_tokenizer.h"

namespace urlsweep {

FlagTokenizer::FlagTokenizer(int argc, const char* const* argv, std::span<const FlagSpec> flags,
                             FlagSyntax syntax)
    : argc_(argc), argv_(argv), flags_(flags), syntax_(syntax) {}

const FlagSpec* FlagTokenizer::FindLong(std::string_view name) const {
  for (const FlagSpec& f : flags_) {
    if (!f.long_name.empty() && f.long_name == name) return &f;
  }
  return nullptr;
}

const FlagSpec* FlagTokenizer::FindShort(char c) const {
  for (const FlagSpec& f : flags_) {
    if (f.short_name != 0 && f.short_name == c) return &f;
  }
  return nullptr;
}

bool FlagTokenizer::Next(FlagToken* token) {
  if (!short_rest_.empty()) {
    *token = FlagToken();
    NextShort(token);
    return true;
  }
  if (next_ >= argc_) return false;
  *token = FlagToken();
  const std::string_view arg = argv_[next_++];
  token->text = arg;
  if (flags_done_ || arg.size() < 2 || arg[0] != '-') {
    token->kind = FlagToken::Kind::kOperand;
    return true;
  }
  if (arg == "--" && syntax_.double_dash_ends_flags) {
    flags_done_ = true;
    token->kind = FlagToken::Kind::kEndOfFlags;
    return true;
  }
  if (arg[1] != '-') {
    if (arg.size() > 2 && !syntax_.short_value_attached) {
      token->name = arg;
      token->kind = FlagToken::Kind::kUnknownFlag;
      return true;
    }
    short_arg_ = arg;
    short_rest_ = arg.substr(1);
    NextShort(token);
    return true;
  }
  const std::string_view body = arg.substr(2);
  const size_t eq = body.find('=');
  token->name = arg.substr(0, eq == std::string_view::npos ? arg.size() : 2 + eq);
  token->flag = FindLong(body.substr(0, eq));
  if (token->flag == nullptr) {
    token->kind = FlagToken::Kind::kUnknownFlag;
    return true;
  }
  if (!token->flag->takes_value) {
    token->kind = eq != std::string_view::npos ? FlagToken::Kind::kUnexpectedValue : FlagToken::Kind::kFlag;
    return true;
  }
  if (eq != std::string_view::npos) {
    token->value = body.substr(eq + 1);
    token->value_attached = true;
  } else if (next_ < argc_) {
    token->value = argv_[next_++];
  } else {
    token->kind = FlagToken::Kind::kMissingValue;
    return true;
  }
  token->kind = FlagToken::Kind::kFlag;
  return true;
}

void FlagTokenizer::NextShort(FlagToken* token) {
  const char c = short_rest_.front();
  const std::string_view after = short_rest_.substr(1);
  short_rest_ = {};
  token->text = short_arg_;
  // The first flag of the argument is named by the argument itself; a later one by the tokenizer's copy.
  if (after.size() + 2 == short_arg_.size()) {
    token->name = short_arg_.substr(0, 2);
  } else {
    short_name_[1] = c;
    token->name = std::string_view(short_name_, 2);
  }
  token->flag = FindShort(c);
  if (token->flag == nullptr) {
    // The rest of the argument is dropped: an unknown flag ends the parse.
    token->kind = FlagToken::Kind::kUnknownFlag;
    return;
  }
  if (!token->flag->takes_value) {
    short_rest_ = after;
    token->kind = FlagToken::Kind::kFlag;
    return;
  }
  if (!after.empty() && after.front() == '=') {
    token->value = after.substr(1);
    token->kind = FlagToken::Kind::kShortFlagEquals;
    return;
  }
  if (!after.empty()) {
    token->value = after;
    token->value_attached = true;
  } else if (next_ < argc_) {
    token->value = argv_[next_++];
  } else {
    token->kind = FlagToken::Kind::kMissingValue;
    return;
  }
  token->kind = FlagToken::Kind::kFlag;
}

}  // namespace urlsweep
