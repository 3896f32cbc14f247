#include "core/flag_tokenizer.h"

namespace urlsweep {

FlagTokenizer::FlagTokenizer(int argc, const char* const* argv, std::span<const FlagSpec> flags,
                             FlagSyntax syntax)
    : argc_(argc), argv_(argv), flags_(flags), syntax_(syntax) {}

const FlagSpec* FlagTokenizer::FindLong(std::string_view name) const {
  for (const FlagSpec& f : flags_) {
    if (f.long_name == name) return &f;
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
  std::string_view attached;
  bool has_attached = false;
  if (arg[1] == '-') {
    const std::string_view body = arg.substr(2);
    const size_t eq = body.find('=');
    token->name = arg.substr(0, eq == std::string_view::npos ? arg.size() : 2 + eq);
    if (eq != std::string_view::npos) {
      attached = body.substr(eq + 1);
      has_attached = true;
    }
    token->flag = FindLong(body.substr(0, eq));
  } else {
    token->name = arg.substr(0, 2);
    token->flag = FindShort(arg[1]);
    if (arg.size() > 2) {
      if (!syntax_.short_value_attached) {
        token->name = arg;
        token->flag = nullptr;
      }
      attached = arg.substr(2);
      has_attached = true;
    }
  }
  if (token->flag == nullptr) {
    token->kind = FlagToken::Kind::kUnknownFlag;
    return true;
  }
  if (!token->flag->takes_value) {
    token->kind = has_attached ? FlagToken::Kind::kUnexpectedValue : FlagToken::Kind::kFlag;
    return true;
  }
  if (has_attached) {
    token->value = attached;
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

}  // namespace urlsweep
